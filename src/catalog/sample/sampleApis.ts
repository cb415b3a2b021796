import {
  asyncApiDefinition,
  grpcDefinition,
  openApiDefinition,
  type AsyncApiSpec,
  type GrpcSpec,
  type RestApiSpec,
} from './apiDefinitions.js';

/** One API of the sample organisation, before it is turned into a descriptor. */
export interface SampleApi {
  name: string;
  title: string;
  system: string;
  lifecycle: 'production' | 'experimental' | 'deprecated';
  description: string;
  tags: string[];
  definition: { openapi: RestApiSpec } | { grpc: GrpcSpec } | { asyncapi: AsyncApiSpec };
}

/** The API's Backstage `spec.type` and its definition text. */
export function renderApiDefinition(api: SampleApi): { type: string; definition: string } {
  const d = api.definition;
  if ('openapi' in d) return { type: 'openapi', definition: openApiDefinition(d.openapi) };
  if ('grpc' in d) return { type: 'grpc', definition: grpcDefinition(d.grpc) };
  return { type: 'asyncapi', definition: asyncApiDefinition(d.asyncapi) };
}

const api = (host: string): string => `https://${host}.northwind.example.com`;

const MONEY = { amountMinor: 'integer', currency: 'string' };

/** Every API in the sample organisation; each is provided by at least one component in domainDocuments. */
export const SAMPLE_APIS: SampleApi[] = [
  // payments
  {
    name: 'payments-api',
    title: 'Payments API',
    system: 'payment-processing',
    lifecycle: 'production',
    description: 'Create, track and cancel outbound payments. Idempotent by client reference; amounts in minor units.',
    tags: ['rest', 'pci', 'tier-1'],
    definition: {
      openapi: {
        title: 'Payments API',
        version: '2.3.0',
        description: 'Outbound payments for Northwind Capital channels and partners.',
        server: api('payments'),
        operations: [
          { method: 'post', path: '/v2/payments', summary: 'Create a payment', request: 'PaymentRequest', response: 'Payment', created: true },
          { method: 'get', path: '/v2/payments/{paymentId}', summary: 'Get a payment', response: 'Payment' },
          { method: 'post', path: '/v2/payments/{paymentId}/cancel', summary: 'Cancel a scheduled payment', response: 'Payment' },
        ],
        schemas: {
          PaymentRequest: {
            clientReference: 'string',
            debtorAccountId: 'string',
            creditorIban: 'string',
            creditorName: 'string',
            ...MONEY,
            'executionDate?': 'string:date',
          },
          Payment: {
            paymentId: 'string:uuid',
            status: 'enum:PENDING|SUBMITTED|SETTLED|REJECTED|CANCELLED',
            scheme: 'enum:FASTER_PAYMENTS|SEPA_CT|SEPA_INST|CHAPS',
            ...MONEY,
            createdAt: 'string:date-time',
          },
        },
      },
    },
  },
  {
    name: 'payment-events',
    title: 'Payment Events',
    system: 'payment-processing',
    lifecycle: 'production',
    description: 'Kafka events for every payment state change, for reconciliation, notifications and fraud features.',
    tags: ['kafka', 'events', 'pci'],
    definition: {
      asyncapi: {
        title: 'Payment Events',
        version: '1.4.0',
        description: 'Published by the payment orchestrator when a payment changes state.',
        channels: [
          {
            topic: 'payments.payment-submitted.v1',
            description: 'A payment was accepted and submitted to a scheme.',
            message: 'PaymentSubmitted',
            payload: { paymentId: 'string:uuid', scheme: 'string', ...MONEY, submittedAt: 'string:date-time' },
          },
          {
            topic: 'payments.payment-settled.v1',
            description: 'The scheme confirmed settlement.',
            message: 'PaymentSettled',
            payload: { paymentId: 'string:uuid', settledAt: 'string:date-time' },
          },
          {
            topic: 'payments.payment-rejected.v1',
            description: 'The scheme or an internal check rejected the payment.',
            message: 'PaymentRejected',
            payload: { paymentId: 'string:uuid', reasonCode: 'string', rejectedAt: 'string:date-time' },
          },
        ],
      },
    },
  },
  {
    name: 'scheme-gateway-api',
    title: 'Scheme Gateway API',
    system: 'payment-processing',
    lifecycle: 'production',
    description: 'Internal gRPC contract every payment-scheme gateway implements, so the orchestrator can route by cost and cut-off.',
    tags: ['grpc', 'pci'],
    definition: {
      grpc: {
        package: 'northwind.payments.gateway.v1',
        service: 'SchemeGateway',
        rpcs: [
          ['Submit', 'SubmitRequest', 'SubmitResponse'],
          ['GetStatus', 'GetStatusRequest', 'SchemeStatus'],
        ],
        enums: { SchemeState: ['ACCEPTED', 'SETTLED', 'RETURNED', 'REJECTED'] },
        messages: {
          SubmitRequest: ['string payment_id', 'string creditor_iban', 'int64 amount_minor', 'string currency'],
          SubmitResponse: ['string scheme_reference', 'SchemeState state'],
          GetStatusRequest: ['string scheme_reference'],
          SchemeStatus: ['string scheme_reference', 'SchemeState state', 'google.protobuf.Timestamp updated_at'],
        },
      },
    },
  },
  {
    name: 'card-management-api',
    title: 'Card Management API',
    system: 'card-platform',
    lifecycle: 'production',
    description: 'Order, activate, freeze and replace debit and credit cards. Never returns a full card number.',
    tags: ['rest', 'pci', 'tier-1'],
    definition: {
      openapi: {
        title: 'Card Management API',
        version: '1.9.0',
        description: 'Card lifecycle for customers and back-office agents.',
        server: api('cards'),
        operations: [
          { method: 'get', path: '/v1/customers/{customerId}/cards', summary: 'List a customer’s cards', response: 'CardList' },
          { method: 'post', path: '/v1/cards', summary: 'Order a card', request: 'CardOrder', response: 'Card', created: true },
          { method: 'post', path: '/v1/cards/{cardId}/freeze', summary: 'Freeze a card', response: 'Card' },
        ],
        schemas: {
          CardOrder: { customerId: 'string', accountId: 'string', product: 'enum:DEBIT|CREDIT' },
          Card: {
            cardId: 'string:uuid',
            maskedPan: 'string',
            product: 'enum:DEBIT|CREDIT',
            status: 'enum:ORDERED|ACTIVE|FROZEN|CLOSED',
            expiry: 'string',
          },
          CardList: { items: 'Card[]' },
        },
      },
    },
  },
  {
    name: 'card-authorisation-api',
    title: 'Card Authorisation API',
    system: 'card-platform',
    lifecycle: 'production',
    description: 'Authorise, capture and reverse card transactions from the card network in under 50 ms.',
    tags: ['grpc', 'pci', 'tier-1'],
    definition: {
      grpc: {
        package: 'northwind.cards.authorisation.v1',
        service: 'Authorisation',
        rpcs: [
          ['Authorise', 'AuthoriseRequest', 'AuthoriseResponse'],
          ['Reverse', 'ReverseRequest', 'ReverseResponse'],
        ],
        enums: { Outcome: ['APPROVED', 'DECLINED', 'REFERRED'] },
        messages: {
          AuthoriseRequest: ['string card_token', 'int64 amount_minor', 'string currency', 'string merchant_category_code', 'string merchant_name'],
          AuthoriseResponse: ['Outcome outcome', 'string authorisation_code', 'string decline_reason'],
          ReverseRequest: ['string authorisation_code'],
          ReverseResponse: ['bool reversed'],
        },
      },
    },
  },
  {
    name: 'tokenisation-api',
    title: 'Tokenisation API',
    system: 'card-platform',
    lifecycle: 'production',
    description: 'Swap a primary account number for a token and back. Only PCI-scoped services may detokenise.',
    tags: ['grpc', 'pci', 'tier-1'],
    definition: {
      grpc: {
        package: 'northwind.cards.vault.v1',
        service: 'TokenVault',
        rpcs: [
          ['Tokenise', 'TokeniseRequest', 'TokeniseResponse'],
          ['Detokenise', 'DetokeniseRequest', 'DetokeniseResponse'],
        ],
        messages: {
          TokeniseRequest: ['string pan', 'string expiry'],
          TokeniseResponse: ['string token', 'string last_four'],
          DetokeniseRequest: ['string token', 'string purpose'],
          DetokeniseResponse: ['string pan', 'string expiry'],
        },
      },
    },
  },
  {
    name: 'ledger-api',
    title: 'Ledger API',
    system: 'core-ledger',
    lifecycle: 'production',
    description: 'Post balanced double-entry journal entries and read balances. The ledger of record for every account.',
    tags: ['grpc', 'tier-1'],
    definition: {
      grpc: {
        package: 'northwind.ledger.v1',
        service: 'Ledger',
        rpcs: [
          ['PostJournal', 'PostJournalRequest', 'Journal'],
          ['GetBalance', 'GetBalanceRequest', 'Balance'],
          ['StreamPostings', 'StreamPostingsRequest', 'Posting', true],
        ],
        enums: { Direction: ['DEBIT', 'CREDIT'] },
        messages: {
          PostJournalRequest: ['string idempotency_key', 'string description', 'repeated Posting postings'],
          Posting: ['string account_id', 'Direction direction', 'int64 amount_minor', 'string currency'],
          Journal: ['string journal_id', 'repeated Posting postings', 'google.protobuf.Timestamp posted_at'],
          GetBalanceRequest: ['string account_id'],
          Balance: ['string account_id', 'int64 available_minor', 'int64 ledger_minor', 'string currency'],
          StreamPostingsRequest: ['string account_id', 'google.protobuf.Timestamp since'],
        },
      },
    },
  },
  {
    name: 'ledger-events',
    title: 'Ledger Events',
    system: 'core-ledger',
    lifecycle: 'production',
    description: 'Every posted journal as an event, for statements, fraud features and AML monitoring.',
    tags: ['kafka', 'events'],
    definition: {
      asyncapi: {
        title: 'Ledger Events',
        version: '1.1.0',
        description: 'Published by the ledger service after each committed journal.',
        channels: [
          {
            topic: 'ledger.journal-posted.v1',
            description: 'A balanced journal was committed.',
            message: 'JournalPosted',
            payload: { journalId: 'string', accountIds: 'string[]', amountMinor: 'integer', currency: 'string', postedAt: 'string:date-time' },
          },
        ],
      },
    },
  },
  // lending
  {
    name: 'loan-applications-api',
    title: 'Loan Applications API',
    system: 'loan-origination',
    lifecycle: 'production',
    description: 'Submit personal-loan applications and follow them from submission to offer or decline.',
    tags: ['rest', 'gdpr'],
    definition: {
      openapi: {
        title: 'Loan Applications API',
        version: '1.6.0',
        description: 'Personal-loan applications from the web and mobile channels.',
        server: api('lending'),
        operations: [
          { method: 'post', path: '/v1/applications', summary: 'Submit an application', request: 'ApplicationRequest', response: 'Application', created: true },
          { method: 'get', path: '/v1/applications/{applicationId}', summary: 'Get an application', response: 'Application' },
          { method: 'post', path: '/v1/applications/{applicationId}/accept', summary: 'Accept an offer', response: 'Application' },
        ],
        schemas: {
          ApplicationRequest: { customerId: 'string', amountMinor: 'integer', termMonths: 'integer', purpose: 'enum:CAR|HOME_IMPROVEMENT|DEBT_CONSOLIDATION|OTHER' },
          Application: {
            applicationId: 'string:uuid',
            status: 'enum:SUBMITTED|IN_REVIEW|OFFERED|DECLINED|ACCEPTED',
            'offerAprPercent?': 'number',
            submittedAt: 'string:date-time',
          },
        },
      },
    },
  },
  {
    name: 'credit-decision-api',
    title: 'Credit Decision API',
    system: 'loan-origination',
    lifecycle: 'production',
    description: 'Scores an application against the current credit policy and explains the decision in plain reasons.',
    tags: ['rest', 'gdpr'],
    definition: {
      openapi: {
        title: 'Credit Decision API',
        version: '3.0.1',
        description: 'Automated credit decisions with reasons suitable for adverse-action notices.',
        server: api('credit-decisions'),
        operations: [{ method: 'post', path: '/v3/decisions', summary: 'Decide an application', request: 'DecisionRequest', response: 'Decision' }],
        schemas: {
          DecisionRequest: { applicationId: 'string', bureauReportId: 'string', monthlyIncomeMinor: 'integer', monthlyOutgoingsMinor: 'integer' },
          Decision: { outcome: 'enum:APPROVE|DECLINE|REFER', score: 'integer', reasons: 'string[]', policyVersion: 'string' },
        },
      },
    },
  },
  {
    name: 'credit-bureau-api',
    title: 'Credit Bureau API',
    system: 'loan-origination',
    lifecycle: 'production',
    description: 'One normalised credit report regardless of which external bureau answered; cached for 30 days.',
    tags: ['rest', 'gdpr'],
    definition: {
      openapi: {
        title: 'Credit Bureau API',
        version: '1.2.0',
        description: 'Normalised credit reports from external credit reference agencies.',
        server: api('bureau'),
        operations: [
          { method: 'post', path: '/v1/reports', summary: 'Request a credit report', request: 'ReportRequest', response: 'CreditReport', created: true },
          { method: 'get', path: '/v1/reports/{reportId}', summary: 'Get a credit report', response: 'CreditReport' },
        ],
        schemas: {
          ReportRequest: { customerId: 'string', consentId: 'string', searchType: 'enum:SOFT|HARD' },
          CreditReport: { reportId: 'string:uuid', bureau: 'string', score: 'integer', defaults: 'integer', retrievedAt: 'string:date-time' },
        },
      },
    },
  },
  {
    name: 'loan-accounts-api',
    title: 'Loan Accounts API',
    system: 'loan-servicing',
    lifecycle: 'production',
    description: 'Balances, repayment schedules and early settlement quotes for drawn-down loans.',
    tags: ['rest'],
    definition: {
      openapi: {
        title: 'Loan Accounts API',
        version: '2.0.0',
        description: 'Servicing view of personal loans after drawdown.',
        server: api('loans'),
        operations: [
          { method: 'get', path: '/v2/loans/{loanId}', summary: 'Get a loan account', response: 'LoanAccount' },
          { method: 'get', path: '/v2/loans/{loanId}/schedule', summary: 'Get the repayment schedule', response: 'Schedule' },
          { method: 'post', path: '/v2/loans/{loanId}/settlement-quote', summary: 'Quote early settlement', response: 'SettlementQuote' },
        ],
        schemas: {
          LoanAccount: { loanId: 'string', customerId: 'string', outstandingMinor: 'integer', currency: 'string', status: 'enum:ACTIVE|IN_ARREARS|SETTLED|WRITTEN_OFF' },
          Instalment: { dueDate: 'string:date', amountMinor: 'integer', paid: 'boolean' },
          Schedule: { loanId: 'string', instalments: 'Instalment[]' },
          SettlementQuote: { loanId: 'string', amountMinor: 'integer', validUntil: 'string:date' },
        },
      },
    },
  },
  // trading
  {
    name: 'orders-api',
    title: 'Orders API',
    system: 'order-execution',
    lifecycle: 'production',
    description: 'Place, amend and cancel equity and ETF orders; the single entry point to the order management system.',
    tags: ['grpc', 'mifid', 'tier-1'],
    definition: {
      grpc: {
        package: 'northwind.trading.orders.v1',
        service: 'Orders',
        rpcs: [
          ['PlaceOrder', 'PlaceOrderRequest', 'Order'],
          ['CancelOrder', 'CancelOrderRequest', 'Order'],
          ['WatchOrders', 'WatchOrdersRequest', 'Order', true],
        ],
        enums: { Side: ['BUY', 'SELL'], OrderStatus: ['NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'REJECTED'] },
        messages: {
          PlaceOrderRequest: ['string client_order_id', 'string account_id', 'string isin', 'Side side', 'int64 quantity', 'string limit_price'],
          CancelOrderRequest: ['string order_id'],
          WatchOrdersRequest: ['string account_id'],
          Order: ['string order_id', 'string isin', 'Side side', 'int64 quantity', 'int64 filled_quantity', 'OrderStatus status', 'google.protobuf.Timestamp updated_at'],
        },
      },
    },
  },
  {
    name: 'order-events',
    title: 'Order Events',
    system: 'order-execution',
    lifecycle: 'production',
    description: 'Order lifecycle and execution events, the source for MiFIR transaction reporting and client notifications.',
    tags: ['kafka', 'events', 'mifid'],
    definition: {
      asyncapi: {
        title: 'Order Events',
        version: '2.0.0',
        description: 'Published by the order management system.',
        channels: [
          {
            topic: 'trading.order-filled.v2',
            description: 'An order was filled, fully or in part, on a venue.',
            message: 'OrderFilled',
            payload: { orderId: 'string', isin: 'string', venueMic: 'string', quantity: 'integer', price: 'string', executedAt: 'string:date-time' },
          },
          {
            topic: 'trading.order-cancelled.v2',
            description: 'An order was cancelled by the client or expired.',
            message: 'OrderCancelled',
            payload: { orderId: 'string', reason: 'string', cancelledAt: 'string:date-time' },
          },
        ],
      },
    },
  },
  {
    name: 'pre-trade-risk-api',
    title: 'Pre-Trade Risk API',
    system: 'order-execution',
    lifecycle: 'production',
    description: 'Checks an order against position limits, fat-finger thresholds and restricted lists before it leaves the bank.',
    tags: ['grpc', 'mifid'],
    definition: {
      grpc: {
        package: 'northwind.trading.risk.v1',
        service: 'PreTradeRisk',
        rpcs: [['CheckOrder', 'CheckOrderRequest', 'CheckOrderResponse']],
        messages: {
          CheckOrderRequest: ['string account_id', 'string isin', 'int64 quantity', 'string limit_price'],
          CheckOrderResponse: ['bool allowed', 'repeated string breached_limits'],
        },
      },
    },
  },
  {
    name: 'market-data-stream',
    title: 'Market Data Stream',
    system: 'market-data',
    lifecycle: 'production',
    description: 'Normalised top-of-book quotes and trades from every connected exchange, one format for all venues.',
    tags: ['kafka', 'events', 'low-latency'],
    definition: {
      asyncapi: {
        title: 'Market Data Stream',
        version: '3.2.0',
        description: 'Published by the feed handlers; partitioned by ISIN.',
        channels: [
          {
            topic: 'marketdata.quote.v3',
            description: 'Best bid and offer changed.',
            message: 'Quote',
            payload: { isin: 'string', venueMic: 'string', bid: 'string', ask: 'string', bidSize: 'integer', askSize: 'integer', timestamp: 'string:date-time' },
          },
          {
            topic: 'marketdata.trade.v3',
            description: 'A trade printed on a venue.',
            message: 'Trade',
            payload: { isin: 'string', venueMic: 'string', price: 'string', quantity: 'integer', timestamp: 'string:date-time' },
          },
        ],
      },
    },
  },
  {
    name: 'price-history-api',
    title: 'Price History API',
    system: 'market-data',
    lifecycle: 'production',
    description: 'Intraday bars and end-of-day closing prices for listed instruments, from the tick store.',
    tags: ['rest'],
    definition: {
      openapi: {
        title: 'Price History API',
        version: '1.4.0',
        description: 'Historical prices for charts, valuations and reports.',
        server: api('prices'),
        operations: [
          { method: 'get', path: '/v1/instruments/{isin}/bars', summary: 'Get intraday bars', response: 'BarSeries' },
          { method: 'get', path: '/v1/instruments/{isin}/close', summary: 'Get the closing price', response: 'ClosePrice' },
        ],
        schemas: {
          Bar: { start: 'string:date-time', open: 'string', high: 'string', low: 'string', close: 'string', volume: 'integer' },
          BarSeries: { isin: 'string', interval: 'enum:1m|5m|1h', bars: 'Bar[]' },
          ClosePrice: { isin: 'string', date: 'string:date', price: 'string', currency: 'string' },
        },
      },
    },
  },
  {
    name: 'reference-data-api',
    title: 'Reference Data API',
    system: 'market-data',
    lifecycle: 'production',
    description: 'Instruments, ISINs, trading venues and exchange calendars: the golden source for static data.',
    tags: ['rest'],
    definition: {
      openapi: {
        title: 'Reference Data API',
        version: '2.1.0',
        description: 'Static reference data for instruments and venues.',
        server: api('refdata'),
        operations: [
          { method: 'get', path: '/v2/instruments/{isin}', summary: 'Get an instrument', response: 'Instrument' },
          { method: 'get', path: '/v2/venues/{mic}/calendar', summary: 'Get a venue trading calendar', response: 'Calendar' },
        ],
        schemas: {
          Instrument: { isin: 'string', name: 'string', assetClass: 'enum:EQUITY|ETF|BOND|FUND', currency: 'string', primaryVenueMic: 'string' },
          Calendar: { mic: 'string', holidays: 'string[]', timezone: 'string' },
        },
      },
    },
  },
  {
    name: 'portfolio-api',
    title: 'Portfolio API',
    system: 'portfolio-management',
    lifecycle: 'production',
    description: 'Holdings, valuations and performance of client portfolios, revalued every fifteen minutes in market hours.',
    tags: ['rest'],
    definition: {
      openapi: {
        title: 'Portfolio API',
        version: '1.8.0',
        description: 'Client portfolio holdings and performance.',
        server: api('portfolios'),
        operations: [
          { method: 'get', path: '/v1/portfolios/{portfolioId}', summary: 'Get a portfolio valuation', response: 'Portfolio' },
          { method: 'get', path: '/v1/portfolios/{portfolioId}/performance', summary: 'Get portfolio performance', response: 'Performance' },
        ],
        schemas: {
          Holding: { isin: 'string', quantity: 'number', marketValueMinor: 'integer' },
          Portfolio: { portfolioId: 'string', currency: 'string', holdings: 'Holding[]', valuedAt: 'string:date-time' },
          Performance: { portfolioId: 'string', period: 'enum:1M|3M|YTD|1Y|SINCE_INCEPTION', timeWeightedReturnPercent: 'number' },
        },
      },
    },
  },
  // customer
  {
    name: 'mobile-bff-api',
    title: 'Mobile Banking BFF API',
    system: 'digital-banking',
    lifecycle: 'production',
    description: 'Screen-shaped endpoints for the iOS and Android apps: home, accounts, card controls and payments.',
    tags: ['rest', 'mobile', 'tier-1'],
    definition: {
      openapi: {
        title: 'Mobile Banking BFF API',
        version: '5.12.0',
        description: 'Backend for the Northwind mobile apps.',
        server: api('m'),
        operations: [
          { method: 'get', path: '/home', summary: 'Get the home screen', response: 'HomeScreen' },
          { method: 'post', path: '/payments', summary: 'Send money', request: 'SendMoney', response: 'PaymentReceipt', created: true },
        ],
        schemas: {
          AccountTile: { accountId: 'string', name: 'string', balanceMinor: 'integer', currency: 'string' },
          HomeScreen: { greeting: 'string', accounts: 'AccountTile[]', unreadMessages: 'integer' },
          SendMoney: { fromAccountId: 'string', payeeId: 'string', amountMinor: 'integer', 'reference?': 'string' },
          PaymentReceipt: { paymentId: 'string', status: 'string', expectedArrival: 'string:date-time' },
        },
      },
    },
  },
  {
    name: 'open-banking-api',
    title: 'Open Banking API',
    system: 'digital-banking',
    lifecycle: 'production',
    description: 'PSD2 account information and payment initiation for licensed third-party providers, with customer consent.',
    tags: ['rest', 'psd2', 'gdpr', 'tier-1'],
    definition: {
      openapi: {
        title: 'Open Banking API',
        version: '3.1.10',
        description: 'Account information (AIS) and payment initiation (PIS) for third-party providers.',
        server: api('openbanking'),
        operations: [
          { method: 'get', path: '/aisp/accounts', summary: 'List consented accounts', response: 'AccountList' },
          { method: 'get', path: '/aisp/accounts/{accountId}/transactions', summary: 'List account transactions', response: 'TransactionList' },
          { method: 'post', path: '/pisp/domestic-payments', summary: 'Initiate a domestic payment', request: 'DomesticPayment', response: 'PaymentStatus', created: true },
        ],
        schemas: {
          Account: { accountId: 'string', currency: 'string', nickname: 'string' },
          AccountList: { accounts: 'Account[]' },
          Transaction: { transactionId: 'string', bookingDateTime: 'string:date-time', amountMinor: 'integer', description: 'string' },
          TransactionList: { transactions: 'Transaction[]' },
          DomesticPayment: { consentId: 'string', creditorSortCode: 'string', creditorAccountNumber: 'string', amountMinor: 'integer' },
          PaymentStatus: { paymentId: 'string', status: 'enum:PENDING|ACCEPTED|REJECTED' },
        },
      },
    },
  },
  {
    name: 'customer-profile-api',
    title: 'Customer Profile API',
    system: 'customer-identity',
    lifecycle: 'production',
    description: 'Names, addresses and contact details of customers: the single source of personal data.',
    tags: ['rest', 'gdpr', 'tier-1'],
    definition: {
      openapi: {
        title: 'Customer Profile API',
        version: '2.4.0',
        description: 'Customer personal data. Every read is audited.',
        server: api('customers'),
        operations: [
          { method: 'get', path: '/v2/customers/{customerId}', summary: 'Get a customer profile', response: 'Customer' },
          { method: 'patch', path: '/v2/customers/{customerId}', summary: 'Update contact details', request: 'ContactUpdate', response: 'Customer' },
        ],
        schemas: {
          Address: { line1: 'string', 'line2?': 'string', city: 'string', postcode: 'string', country: 'string' },
          Customer: { customerId: 'string', fullName: 'string', email: 'string:email', phone: 'string', address: 'Address', segment: 'enum:RETAIL|PREMIER|WEALTH' },
          ContactUpdate: { 'email?': 'string:email', 'phone?': 'string', 'address?': 'Address' },
        },
      },
    },
  },
  {
    name: 'identity-api',
    title: 'Customer Identity API',
    system: 'customer-identity',
    lifecycle: 'production',
    description: 'OpenID Connect endpoints for customer sign-in, token refresh and step-up authentication.',
    tags: ['rest', 'oidc', 'security', 'tier-1'],
    definition: {
      openapi: {
        title: 'Customer Identity API',
        version: '1.12.0',
        description: 'OpenID Connect provider for Northwind customers.',
        server: api('login'),
        operations: [
          { method: 'get', path: '/.well-known/openid-configuration', summary: 'Get the provider configuration', response: 'ProviderConfiguration' },
          { method: 'post', path: '/oauth2/token', summary: 'Exchange a code or refresh token', request: 'TokenRequest', response: 'TokenResponse' },
          { method: 'post', path: '/step-up', summary: 'Start step-up authentication', request: 'StepUpRequest', response: 'StepUpChallenge', created: true },
        ],
        schemas: {
          ProviderConfiguration: { issuer: 'string', authorization_endpoint: 'string', token_endpoint: 'string', jwks_uri: 'string' },
          TokenRequest: { grant_type: 'enum:authorization_code|refresh_token', 'code?': 'string', 'refresh_token?': 'string', client_id: 'string' },
          TokenResponse: { access_token: 'string', id_token: 'string', expires_in: 'integer', token_type: 'string' },
          StepUpRequest: { reason: 'enum:NEW_PAYEE|LARGE_PAYMENT|PROFILE_CHANGE' },
          StepUpChallenge: { challengeId: 'string', methods: 'string[]' },
        },
      },
    },
  },
  {
    name: 'customer-consent-api',
    title: 'Customer Consent API',
    system: 'customer-identity',
    lifecycle: 'production',
    description: 'Records and answers what each customer agreed to: marketing, data sharing and third-party access.',
    tags: ['rest', 'gdpr'],
    definition: {
      openapi: {
        title: 'Customer Consent API',
        version: '1.3.0',
        description: 'GDPR and PSD2 consents with their full history.',
        server: api('consent'),
        operations: [
          { method: 'get', path: '/v1/customers/{customerId}/consents', summary: 'List consents', response: 'ConsentList' },
          { method: 'post', path: '/v1/consents', summary: 'Record a consent', request: 'ConsentRequest', response: 'Consent', created: true },
          { method: 'delete', path: '/v1/consents/{consentId}', summary: 'Withdraw a consent' },
        ],
        schemas: {
          ConsentRequest: { customerId: 'string', purpose: 'enum:MARKETING|ANALYTICS|THIRD_PARTY_ACCESS|CREDIT_SEARCH', 'expiresAt?': 'string:date-time' },
          Consent: { consentId: 'string', customerId: 'string', purpose: 'string', grantedAt: 'string:date-time', 'withdrawnAt?': 'string:date-time' },
          ConsentList: { items: 'Consent[]' },
        },
      },
    },
  },
  {
    name: 'notifications-api',
    title: 'Notifications API',
    system: 'customer-notifications',
    lifecycle: 'production',
    description: 'Send a templated email, SMS or push message to a customer; honours channel preferences and quiet hours.',
    tags: ['rest'],
    definition: {
      openapi: {
        title: 'Notifications API',
        version: '1.7.0',
        description: 'Customer notifications across channels.',
        server: api('notify'),
        operations: [
          { method: 'post', path: '/v1/notifications', summary: 'Send a notification', request: 'NotificationRequest', response: 'Notification', created: true },
          { method: 'get', path: '/v1/notifications/{notificationId}', summary: 'Get delivery status', response: 'Notification' },
        ],
        schemas: {
          NotificationRequest: { customerId: 'string', template: 'string', 'channel?': 'enum:EMAIL|SMS|PUSH', 'variables?': 'string[]' },
          Notification: { notificationId: 'string', status: 'enum:QUEUED|SENT|DELIVERED|FAILED|SUPPRESSED', channel: 'string' },
        },
      },
    },
  },
  // risk & compliance
  {
    name: 'fraud-scoring-api',
    title: 'Fraud Scoring API',
    system: 'fraud-prevention',
    lifecycle: 'production',
    description: 'Real-time fraud risk score for a payment or card transaction, with the top contributing features.',
    tags: ['grpc', 'machine-learning', 'tier-1'],
    definition: {
      grpc: {
        package: 'northwind.fraud.scoring.v2',
        service: 'FraudScoring',
        rpcs: [['Score', 'ScoreRequest', 'ScoreResponse']],
        enums: { Channel: ['CARD', 'FASTER_PAYMENT', 'SEPA', 'OPEN_BANKING'] },
        messages: {
          ScoreRequest: ['string transaction_id', 'Channel channel', 'string customer_id', 'int64 amount_minor', 'string currency', 'string device_id'],
          ScoreResponse: ['double score', 'string model_version', 'repeated string top_features'],
        },
      },
    },
  },
  {
    name: 'fraud-cases-api',
    title: 'Fraud Cases API',
    system: 'fraud-prevention',
    lifecycle: 'experimental',
    description: 'Alerts raised by the fraud models, grouped into cases that analysts work and close.',
    tags: ['rest'],
    definition: {
      openapi: {
        title: 'Fraud Cases API',
        version: '0.9.0',
        description: 'Fraud alert and case management.',
        server: api('fraud-cases'),
        operations: [
          { method: 'get', path: '/v1/cases', summary: 'List open cases', response: 'CaseList' },
          { method: 'post', path: '/v1/cases/{caseId}/close', summary: 'Close a case', request: 'CloseCase', response: 'Case' },
        ],
        schemas: {
          Case: { caseId: 'string', customerId: 'string', score: 'number', status: 'enum:OPEN|INVESTIGATING|CLOSED', openedAt: 'string:date-time' },
          CaseList: { items: 'Case[]' },
          CloseCase: { outcome: 'enum:CONFIRMED_FRAUD|FALSE_POSITIVE', note: 'string' },
        },
      },
    },
  },
  {
    name: 'kyc-verification-api',
    title: 'KYC Verification API',
    system: 'financial-crime-compliance',
    lifecycle: 'production',
    description: 'Verifies identity documents and address for onboarding, and re-checks customers on a risk-based schedule.',
    tags: ['rest', 'gdpr', 'aml'],
    definition: {
      openapi: {
        title: 'KYC Verification API',
        version: '2.2.0',
        description: 'Know-your-customer checks.',
        server: api('kyc'),
        operations: [
          { method: 'post', path: '/v2/verifications', summary: 'Start a verification', request: 'VerificationRequest', response: 'Verification', created: true },
          { method: 'get', path: '/v2/verifications/{verificationId}', summary: 'Get a verification', response: 'Verification' },
        ],
        schemas: {
          VerificationRequest: { customerId: 'string', documentType: 'enum:PASSPORT|DRIVING_LICENCE|NATIONAL_ID', documentImageId: 'string' },
          Verification: { verificationId: 'string', status: 'enum:PENDING|PASSED|FAILED|MANUAL_REVIEW', riskRating: 'enum:LOW|MEDIUM|HIGH' },
        },
      },
    },
  },
  {
    name: 'sanctions-screening-api',
    title: 'Sanctions Screening API',
    system: 'financial-crime-compliance',
    lifecycle: 'production',
    description: 'Screens names and payments against the UK, EU, UN and OFAC sanctions lists with fuzzy matching.',
    tags: ['grpc', 'aml', 'tier-1'],
    definition: {
      grpc: {
        package: 'northwind.fincrime.sanctions.v1',
        service: 'SanctionsScreening',
        rpcs: [
          ['ScreenParty', 'ScreenPartyRequest', 'ScreeningResult'],
          ['ScreenPayment', 'ScreenPaymentRequest', 'ScreeningResult'],
        ],
        enums: { Verdict: ['CLEAR', 'POTENTIAL_MATCH', 'BLOCKED'] },
        messages: {
          ScreenPartyRequest: ['string full_name', 'string date_of_birth', 'string country'],
          ScreenPaymentRequest: ['string payment_id', 'string creditor_name', 'string creditor_country', 'string remittance_information'],
          ScreeningResult: ['Verdict verdict', 'repeated string matched_list_entries', 'string list_version'],
        },
      },
    },
  },
  // platform
  {
    name: 'secrets-api',
    title: 'Secrets API',
    system: 'delivery-platform',
    lifecycle: 'production',
    description: 'Short-lived database credentials and API keys for workloads, issued per deployment and rotated automatically.',
    tags: ['grpc', 'security'],
    definition: {
      grpc: {
        package: 'northwind.platform.secrets.v1',
        service: 'SecretsBroker',
        rpcs: [
          ['IssueDatabaseCredentials', 'IssueRequest', 'Credentials'],
          ['RevokeLease', 'RevokeRequest', 'RevokeResponse'],
        ],
        messages: {
          IssueRequest: ['string workload', 'string resource', 'int32 ttl_seconds'],
          Credentials: ['string username', 'string password', 'string lease_id', 'google.protobuf.Timestamp expires_at'],
          RevokeRequest: ['string lease_id'],
          RevokeResponse: ['bool revoked'],
        },
      },
    },
  },
  {
    name: 'feature-store-api',
    title: 'Feature Store API',
    system: 'data-platform',
    lifecycle: 'experimental',
    description: 'Low-latency reads of precomputed customer and transaction features for online machine-learning models.',
    tags: ['grpc', 'machine-learning'],
    definition: {
      grpc: {
        package: 'northwind.data.features.v1',
        service: 'FeatureStore',
        rpcs: [['GetOnlineFeatures', 'GetOnlineFeaturesRequest', 'GetOnlineFeaturesResponse']],
        messages: {
          GetOnlineFeaturesRequest: ['string feature_view', 'repeated string entity_ids', 'repeated string features'],
          FeatureRow: ['string entity_id', 'map<string, double> values'],
          GetOnlineFeaturesResponse: ['repeated FeatureRow rows'],
        },
      },
    },
  },
];

import { Component, type ErrorInfo, type ReactNode } from 'react';

export interface ErrorBoundaryProps {
  children: ReactNode;
}

interface ErrorBoundaryState {
  error: Error | null;
}

/**
 * Last line of defence against a blank page: a rendering bug shows a message and a way back. React offers
 * error boundaries only as class components.
 */
export class ErrorBoundary extends Component<ErrorBoundaryProps, ErrorBoundaryState> {
  override state: ErrorBoundaryState = { error: null };

  static getDerivedStateFromError(error: Error): ErrorBoundaryState {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('Portal crashed while rendering', error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="center-screen">
        <div className="error-panel" role="alert">
          <p className="error-title">The portal hit a bug while drawing this page.</p>
          <p className="error-detail">{this.state.error.message}</p>
          <button type="button" className="btn" onClick={() => window.location.assign('/catalog')}>
            Go to the catalog
          </button>
        </div>
      </div>
    );
  }
}

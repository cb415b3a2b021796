/**
 * A small RFC 4180 reader (https://www.rfc-editor.org/rfc/rfc4180): comma-separated fields, fields in double
 * quotes may hold commas, line breaks and doubled quotes (`""`). Lines end in CRLF or LF. Every cell keeps the
 * line and column of its first character, so problems can point at it. Syntax errors are reported, not thrown;
 * reading goes on after them.
 */

export interface CsvCell {
  /** The cell's text: quotes removed, `""` read as `"`. */
  value: string;
  line: number;
  column: number;
}

export interface CsvRecord {
  /** Line where the record starts (a quoted cell may carry it over several lines). */
  line: number;
  cells: CsvCell[];
}

export interface CsvSyntaxError {
  line: number;
  column: number;
  message: string;
}

/** Reads every record; blank lines are skipped. */
export function readCsv(text: string): { records: CsvRecord[]; errors: CsvSyntaxError[] } {
  const records: CsvRecord[] = [];
  const errors: CsvSyntaxError[] = [];
  let i = 0;
  let line = 1;
  let column = 1;
  const n = text.length;

  /** Moves past one character, counting lines; CRLF counts as one line break. */
  const advance = (): void => {
    const c = text[i];
    if (c === '\r' && text[i + 1] === '\n') i++;
    i++;
    if (c === '\n' || c === '\r') {
      line++;
      column = 1;
    } else {
      column++;
    }
  };
  const atLineEnd = (): boolean => text[i] === '\n' || text[i] === '\r';

  while (i < n) {
    const record: CsvRecord = { line, cells: [] };
    for (;;) {
      const cell: CsvCell = { value: '', line, column };
      if (text[i] === '"') {
        advance();
        let closed = false;
        while (i < n) {
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              cell.value += '"';
              advance();
              advance();
              continue;
            }
            advance();
            closed = true;
            break;
          }
          // Keep line breaks inside quotes as they were written, CRLF included.
          cell.value += text[i] === '\r' && text[i + 1] === '\n' ? '\r\n' : text[i];
          advance();
        }
        if (!closed) {
          errors.push({ line: cell.line, column: cell.column, message: 'expected a closing quote for the quoted field that starts here, found the end of the file' });
        } else if (i < n && text[i] !== ',' && !atLineEnd()) {
          errors.push({
            line,
            column,
            message: `expected a comma or the end of the line after a closing quote, found ${JSON.stringify(text[i])} (write a quote inside a quoted field as "")`,
          });
          while (i < n && text[i] !== ',' && !atLineEnd()) {
            cell.value += text[i];
            advance();
          }
        }
      } else {
        while (i < n && text[i] !== ',' && !atLineEnd()) {
          if (text[i] === '"') {
            errors.push({ line, column, message: 'expected no quote inside an unquoted field, found " (quote the whole field and write the quote as "")' });
          }
          cell.value += text[i];
          advance();
        }
      }
      record.cells.push(cell);
      if (i < n && text[i] === ',') {
        advance();
        continue;
      }
      if (i < n) advance(); // the line break ending the record
      break;
    }
    // A blank line (or a lone "") holds no record.
    const blank = record.cells.length === 1 && record.cells[0]?.value === '';
    if (!blank) records.push(record);
  }
  return { records, errors };
}

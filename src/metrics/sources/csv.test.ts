import { describe, expect, it } from 'vitest';
import { readCsv } from './csv.js';

const values = (text: string): string[][] => readCsv(text).records.map((r) => r.cells.map((c) => c.value));

describe('readCsv', () => {
  it('reads quoted commas, doubled quotes and line breaks inside quotes', () => {
    const text = 'a,b,c\n"x, y","say ""hi""","two\nlines"\n';
    expect(values(text)).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', 'two\nlines'],
    ]);
    expect(readCsv(text).errors).toEqual([]);
  });

  it('reads CRLF line ends, keeps CRLF inside quotes, and skips blank lines', () => {
    expect(values('a,b\r\n\r\n1,"x\r\ny"\r\n2,\r\n')).toEqual([
      ['a', 'b'],
      ['1', 'x\r\ny'],
      ['2', ''],
    ]);
  });

  it('gives each cell the line and column of its first character', () => {
    const { records } = readCsv('id,title,sev\r\ni1,"Down,\r\nbadly",sev1\r\ni2,ok,sev2');
    expect(records.map((r) => r.line)).toEqual([1, 2, 4]);
    expect(records[1]?.cells.map((c) => [c.line, c.column])).toEqual([
      [2, 1],
      [2, 4],
      [3, 8],
    ]);
    expect(records[2]?.cells.map((c) => [c.line, c.column])).toEqual([
      [4, 1],
      [4, 4],
      [4, 7],
    ]);
  });

  it('reads empty cells, a trailing comma and a last line without a line break', () => {
    expect(values('a,,c\n,\nz')).toEqual([['a', '', 'c'], ['', ''], ['z']]);
  });

  it('reports an unclosed quote, text after a closing quote and a quote in an unquoted field, and goes on', () => {
    expect(readCsv('a,"b""c"x,d\n').errors).toEqual([
      { line: 1, column: 9, message: 'expected a comma or the end of the line after a closing quote, found "x" (write a quote inside a quoted field as "")' },
    ]);
    expect(readCsv('a,b"c\n').errors).toEqual([
      { line: 1, column: 4, message: 'expected no quote inside an unquoted field, found " (quote the whole field and write the quote as "")' },
    ]);
    const open = readCsv('a,b\n1,"never closed\n2,3\n');
    expect(open.errors).toEqual([{ line: 2, column: 3, message: 'expected a closing quote for the quoted field that starts here, found the end of the file' }]);
    expect(open.records).toHaveLength(2);
  });
});

// The one CSV writer: quoting, and formula injection neutralised in every cell a spreadsheet would run.
import { describe, expect, it } from 'vitest';
import { csvCell, csvText } from '../api/csv';
import { formulaCells } from '../api/files';

describe('CSV writer', () => {
  it('neutralises cells a spreadsheet would run as formulas', () => {
    expect(csvCell('=HYPERLINK("http://x","clic")')).toBe(`"'=HYPERLINK(""http://x"",""clic"")"`);
    expect(csvCell('+212 600 000 000')).toBe("'+212 600 000 000");
    expect(csvCell('-1+1')).toBe("'-1+1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('فاطمة العمراني')).toBe('فاطمة العمراني');
  });
  it('quotes separators and line breaks, and writes a header line', () => {
    expect(csvText(['a', 'b'], [['x,y', 'line\nbreak'], [null, 3]])).toBe('a,b\n"x,y","line\nbreak"\n,3');
  });
  it('flags the cells of a loaded file that start like a formula, not phone numbers or negative numbers', () => {
    const rows = [
      { line: 2, values: { firstName: '=HYPERLINK("http://x","clic")', phone: '+212 600 000 000', lastName: 'El Amrani' } },
      { line: 3, values: { firstName: '@SUM(A1)', commune: '+cmd|calc', dependants: '-1', note: '-x' } },
    ];
    expect(formulaCells(rows).map((c) => `${c.line}:${c.field}`)).toEqual(['2:firstName', '3:firstName', '3:commune', '3:note']);
  });
});

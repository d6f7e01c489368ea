/**
 * A strict RFC 4180 reader for tests: CRLF line ends only, quoted cells with doubled quotes, and the text must
 * end with a line end. Written apart from src/documents/csv.ts so the tests do not check the encoder with itself.
 */
export function parseCsv(text: string): string[][] {
  if (!text.endsWith('\r\n')) throw new Error('CSV text must end with CRLF');
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let cell = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote === -1) throw new Error(`unclosed quote at ${i}`);
        cell += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          cell += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
    } else {
      const end = text.slice(i).search(/[,\r\n"]/);
      cell = text.slice(i, i + end);
      i += end;
      if (text[i] === '"') throw new Error(`quote inside an unquoted cell at ${i}`);
    }
    row.push(cell);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) {
      rows.push(row);
      row = [];
      i += 2;
    } else throw new Error(`expected a comma or CRLF at ${i}, found ${JSON.stringify(text.slice(i, i + 5))}`);
  }
  return rows;
}

/** Rows as objects keyed by the header row. */
export function csvRecords(text: string): { header: string[]; records: Record<string, string>[] } {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new Error('no header row');
  for (const row of rows) if (row.length !== header.length) throw new Error(`a row of ${row.length} cells under a header of ${header.length}`);
  return { header, records: rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]!]))) };
}

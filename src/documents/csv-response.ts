import type { FormDefinition } from '../forms/index.ts';
import { documentRow, headerRow, type CsvShape } from './csv.ts';
import type { DocumentView } from './service.ts';

/**
 * The CSV export as a byte stream that reads the next batch only when the reader has taken the last one
 * (a pull stream with a queue of one chunk): memory holds a batch or two, whatever the number of documents,
 * and a client that reads slowly slows the reading of the database down instead of filling memory.
 */

/** The response headers of an export of `form`. */
export function csvHeaders(formName: string): Record<string, string> {
  return {
    'Content-Type': 'text/csv; charset=utf-8; header=present',
    // Form names are lower-case letters, digits, `-` and `_` (forms/definition.ts), safe inside the quotes.
    'Content-Disposition': `attachment; filename="${formName}-documents.csv"`,
    'Cache-Control': 'no-store',
  };
}

/**
 * A failure after the first byte cannot become a problem response any more: the stream errors instead, which
 * makes the server cut the connection before the chunked body's end, so the client sees a broken transfer,
 * never a shorter file that looks whole. `onFailure` is told first, to log it.
 */
export function csvStream(
  form: FormDefinition,
  shape: CsvShape,
  batches: AsyncGenerator<DocumentView[]>,
  onFailure: (error: unknown) => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let header: string | undefined = headerRow(form, shape);
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          // An empty batch (a page can only be empty when it is the only one) adds nothing to send, so read on.
          for (;;) {
            const next = await batches.next();
            const text = (header ?? '') + (next.done ? '' : next.value.map((doc) => documentRow(form, shape, doc)).join(''));
            header = undefined;
            if (text !== '') controller.enqueue(encoder.encode(text));
            if (next.done) return controller.close();
            if (text !== '') return;
          }
        } catch (error) {
          onFailure(error);
          // The HTTP adapter prints the stream's error to stderr as it is; a query builder's error carries the
          // query's parameters, so it gets a plain one and the log line above has the cause.
          controller.error(new Error('The CSV export failed after its first byte; the log has the cause.'));
        }
      },
      // The client went away: end the walk, so no further batch is read for nobody.
      async cancel() {
        await batches.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
}

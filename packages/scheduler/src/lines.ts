import type { Readable } from 'node:stream';

/** Calls `onLine` for every line a stream writes (the last one even without a newline). */
export function forwardLines(stream: Readable | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    rest += chunk;
    let index = rest.indexOf('\n');
    while (index !== -1) {
      onLine(rest.slice(0, index).replace(/\r$/, ''));
      rest = rest.slice(index + 1);
      index = rest.indexOf('\n');
    }
  });
  stream.on('end', () => {
    if (rest) onLine(rest);
    rest = '';
  });
  stream.on('error', () => {});
}

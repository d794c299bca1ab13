import { jsonSink, type LogLine, type LogSink } from '@gaekit/logging';

/** One line of app output that belongs to a request. */
export interface AttributedLine {
  /** Where the app wrote it (`log.*` lines count as stdout, where they go in production). */
  stream: 'stdout' | 'stderr';
  /**
   * The line as Cloud Logging JSON (`severity`, `message`, the trace and the `request_id`
   * label), as @gaekit/logging writes it inside an instance: `Logging.ingest` at the front
   * files it under its request by the label.
   */
  json: string;
  /** What a person should see: the text as written for a plain console line, else `json`. */
  text: string;
  /** The request it belongs to. */
  requestId: string;
}

/**
 * A log sink that turns each line of a request (console output captured in its context,
 * `log.*` calls) into an {@link AttributedLine}. Lines outside any request never reach it.
 */
export function attributionSink(
  projectId: string | undefined,
  emit: (line: AttributedLine) => void,
): LogSink {
  let written = '';
  const json = jsonSink({
    requests: false,
    projectId,
    write: (text) => {
      written = text;
    },
  });
  return {
    line(line: LogLine) {
      if (line.requestId === undefined) return;
      written = '';
      json.line?.(line);
      const text = written.endsWith('\n') ? written.slice(0, -1) : written;
      const stream = line.source === 'stderr' ? 'stderr' : 'stdout';
      const plain =
        line.source !== 'logger' &&
        line.fields === undefined &&
        line.severity === (stream === 'stderr' ? 'ERROR' : 'INFO');
      emit({ stream, json: text, text: plain ? line.message : text, requestId: line.requestId });
    },
  };
}

/** A push-style line splitter for JSON Lines: chunks in, complete lines with numbers out. */
export type LineHandler = (line: string, lineNo: number) => void;

export interface LineSplitter {
  push(chunk: string | Uint8Array): void;
  /** Flushes the last line; returns true when it had no final newline (possibly truncated). */
  end(): boolean;
}

export function createLineSplitter(onLine: LineHandler): LineSplitter {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  let lineNo = 0;
  const scan = (text: string): void => {
    let start = 0;
    let nl = text.indexOf('\n');
    while (nl >= 0) {
      lineNo++;
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      onLine(text.slice(start, end), lineNo);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    rest = text.slice(start);
  };
  return {
    push(chunk) {
      const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      scan(rest + text);
    },
    end() {
      const tail = rest + decoder.decode();
      rest = '';
      if (tail.length === 0) return false;
      lineNo++;
      onLine(tail.endsWith('\r') ? tail.slice(0, -1) : tail, lineNo);
      return true;
    },
  };
}

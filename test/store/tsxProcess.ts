import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A TypeScript script running in its own Node process (through tsx), with its output kept for assertions. */
export interface TsxProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `re`; rejects if the process exits first or on timeout. */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** Writes a line to the process's stdin. */
  send(line: string): void;
  /** Sends `signal` (if still running) and waits for the exit; SIGKILLs after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | NodeJS.Signals>;
}

/** Starts `node --import tsx <script>` from the project root with `env` added to this process's environment. */
export function spawnTsx(script: string, env: Record<string, string>): TsxProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    // 'close' rather than 'exit': by then stdout and stderr have been read to the end.
    child.once('close', (code, signal) => resolve(signal ?? code ?? -1));
  });
  let ended = false;
  void exited.then(() => (ended = true));

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLine(re, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = out.split('\n').find((l) => re.test(l));
          if (line === undefined) return false;
          done();
          resolve(line);
          return true;
        };
        const onData = () => void check();
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no line matching ${re} within ${timeoutMs} ms; stderr:\n${err}`));
        }, timeoutMs);
        const onExit = () => {
          if (check()) return;
          done();
          reject(new Error(`process exited before printing ${re}; stdout:\n${out}\nstderr:\n${err}`));
        };
        function done() {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          child.off('close', onExit);
        }
        child.stdout?.on('data', onData);
        child.once('close', onExit);
        if (ended) onExit();
        else check();
      });
    },
    send(line) {
      child.stdin?.write(line + '\n');
    },
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (!ended) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

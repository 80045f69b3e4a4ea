import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, isPortClosed } from './ports.js';
import { onProcessExit, track } from './reaper.js';
import { serverPid } from './resp.js';
import { waitFor } from './wait.js';

export interface StartRedisOptions {
  /** Fixed port; by default a free one is picked (and re-picked if someone else grabs it first). */
  port?: number;
  /** Extra redis-server arguments, appended after the defaults so they can override them. */
  args?: string[];
  password?: string;
  /**
   * A config file passed as the first argument (before the defaults, which therefore override it), e.g. for
   * `--sentinel`, which needs a writable config file to rewrite.
   */
  configFile?: string;
  /**
   * Working directory (`--dir`) owned by the caller: created if missing, never removed by the testkit, so what the
   * server writes there (nodes.conf, AOF, ...) survives kill() and restart(). By default each server gets its own
   * temp dir that is emptied whenever the process exits.
   */
  dir?: string;
}

export interface RedisProcess {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** redis://127.0.0.1:P, or redis://:password@127.0.0.1:P */
  readonly url: string;
  /** Pid of the current (or last) redis-server process; changes after restart(). */
  readonly pid: number;
  /** Whether the process is alive (a paused one too): false once it exited, was killed or stopped. */
  readonly running: boolean;
  /** SIGKILL; resolves once the process has exited and the port refuses connections. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown); resolves once the process has exited and the port is closed. */
  stop(): Promise<void>;
  /** SIGSTOP: the kernel still completes TCP handshakes but the server never answers. */
  pause(): void;
  /** SIGCONT: the server processes everything that queued up meanwhile. */
  resume(): void;
  /** Starts again on the same port with the same arguments (stopping first if still running); waits for PING. */
  restart(): Promise<void>;
  /** Runs redis-cli against this server and returns its trimmed stdout. */
  cli(...args: string[]): Promise<string>;
}

const INSTALL_HINT = 'install it with `apt-get install -y redis-server` (or `bash scripts/setup.sh`)';
const LOG_TAIL_BYTES = 8_192;
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;
const CLI_TIMEOUT_MS = 10_000;

/** For waitFor's `fatal`: which of `processes` died, as a reason to stop waiting for them; false while all run. */
export function deadProcesses(processes: readonly RedisProcess[]): string | false {
  const dead = processes.filter((p) => !p.running).map((p) => p.port);
  return dead.length > 0 && `redis-server exited on port ${dead.join(', ')}`;
}

const live = new Set<RedisInstance>();
onProcessExit(() => {
  for (const instance of live) instance.removeDirSync();
});

class StartError extends Error {
  constructor(
    message: string,
    readonly addressInUse: boolean,
  ) {
    super(message);
  }
}

function isRunning(child: ChildProcess | undefined): child is ChildProcess {
  return !!child && child.exitCode === null && child.signalCode === null;
}

/** Linux process state from /proc (R, S, T, Z, ...); undefined where /proc is unavailable. */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

class RedisInstance implements RedisProcess {
  readonly host = '127.0.0.1' as const;
  readonly url: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private paused = false;
  private lastPid = -1;
  private readonly dir: string;
  private readonly ownsDir: boolean;

  constructor(
    readonly port: number,
    private readonly password: string | undefined,
    private readonly extraArgs: readonly string[],
    private readonly configFile?: string,
    dir?: string,
  ) {
    const auth = password === undefined ? '' : `:${encodeURIComponent(password)}@`;
    this.url = `redis://${auth}127.0.0.1:${port}`;
    this.ownsDir = dir === undefined;
    this.dir = dir ?? mkdtempSync(path.join(os.tmpdir(), `testkit-redis-${port}-`));
  }

  get pid(): number {
    return this.lastPid;
  }

  get running(): boolean {
    return isRunning(this.child);
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    live.add(this);
    const args = [
      ...(this.configFile === undefined ? [] : [this.configFile]),
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
      '--protected-mode',
      'no',
      ...(this.password === undefined ? [] : ['--requirepass', this.password]),
      ...this.extraArgs,
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const keepTail = (chunk: Buffer): void => {
      log = (log + chunk.toString('utf8')).slice(-LOG_TAIL_BYTES);
    };
    // Always drain the pipes: a full pipe would block redis-server on its next log line.
    child.stdout?.on('data', keepTail);
    child.stderr?.on('data', keepTail);
    let spawnError: NodeJS.ErrnoException | undefined;
    child.on('error', (err) => {
      spawnError = err;
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    this.child = child;
    this.paused = false;
    if (child.pid !== undefined) {
      this.lastPid = child.pid;
      track(child);
    }

    const outcome = await waitFor(
      async () => {
        // No pid means spawn failed (e.g. ENOENT); the 'error' event follows asynchronously.
        if (spawnError || child.pid === undefined || !isRunning(child)) return 'exited';
        // Compare pids, not just PING: another server already on this port would answer too.
        return (await serverPid(this.port, { password: this.password })) === child.pid ? 'ready' : false;
      },
      { timeoutMs: START_TIMEOUT_MS, message: `redis-server on port ${this.port} to answer PING` },
    ).catch(async (err: Error) => {
      child.kill('SIGKILL');
      await this.exited;
      throw new Error(`${err.message}\nredis-server log:\n${log}`);
    });
    if (outcome === 'ready') return;

    await this.exited;
    // 'exit' can precede the last log lines: give the pipes a moment to drain for the error message.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 500);
      child.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (child.stdout?.closed && child.stderr?.closed) resolve();
    });
    if (spawnError?.code === 'ENOENT') {
      throw new Error(`redis-server was not found on PATH: ${INSTALL_HINT}`);
    }
    if (spawnError) throw spawnError;
    throw new StartError(
      `redis-server on port ${this.port} exited (code ${child.exitCode}, signal ${child.signalCode}) before answering PING:\n${log}`,
      log.includes('Address already in use'),
    );
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (isRunning(child)) {
      if (this.paused) this.resume(); // let a stopped process run again so it exits promptly and cleanly
      child.kill('SIGKILL');
      await this.exited;
    }
    await this.afterExit();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (isRunning(child)) {
      if (this.paused) this.resume(); // a stopped process would keep SIGTERM pending forever
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    await this.afterExit();
  }

  pause(): void {
    const child = this.child;
    if (!isRunning(child)) throw new Error(`redis-server on port ${this.port} is not running`);
    child.kill('SIGSTOP');
    this.paused = true;
    // Signal delivery is asynchronous; spin briefly until the kernel reports the process stopped
    // so that a command sent right after pause() is guaranteed not to be answered.
    const deadline = Date.now() + 1_000;
    for (;;) {
      const state = child.pid === undefined ? undefined : procState(child.pid);
      if (state === undefined || state === 'T' || state === 't' || Date.now() > deadline) break;
      // busy-wait: pause() is synchronous by contract
    }
  }

  resume(): void {
    const child = this.child;
    if (isRunning(child)) child.kill('SIGCONT');
    this.paused = false;
  }

  async restart(): Promise<void> {
    if (isRunning(this.child)) await this.stop();
    await this.start();
  }

  cli(...args: string[]): Promise<string> {
    const auth = this.password === undefined ? [] : ['-a', this.password, '--no-auth-warning'];
    const argv = ['-h', this.host, '-p', String(this.port), ...auth, ...args];
    return new Promise((resolve, reject) => {
      execFile('redis-cli', argv, { timeout: CLI_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          const hint = code === 'ENOENT' ? `redis-cli was not found on PATH: ${INSTALL_HINT}` : err.message;
          reject(new Error(`redis-cli ${args.join(' ')} failed: ${hint}\n${stderr}`, { cause: err }));
          return;
        }
        resolve(stdout.trim());
      });
    });
  }

  removeDirSync(): void {
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }

  private async afterExit(): Promise<void> {
    this.paused = false;
    this.removeDirSync(); // an own temp dir: start() recreates it, nothing persists (a caller dir is kept)
    await waitFor(() => isPortClosed(this.port), {
      timeoutMs: STOP_TIMEOUT_MS,
      message: `port ${this.port} to refuse connections after redis-server exited`,
    });
  }

  /** Final cleanup used by stopAllRedis(). */
  async dispose(): Promise<void> {
    await this.kill();
    live.delete(this);
  }
}

/** Spawns a throwaway redis-server on 127.0.0.1 and resolves once it answers PING. */
export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisProcess> {
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    const instance = new RedisInstance(port, opts.password, opts.args ?? [], opts.configFile, opts.dir);
    try {
      await instance.start();
      return instance;
    } catch (err) {
      live.delete(instance);
      instance.removeDirSync();
      // The free port raced with another process: pick another one.
      if (opts.port === undefined && err instanceof StartError && err.addressInUse && attempt < 5) continue;
      throw err;
    }
  }
}

/** Kills every redis-server started by startRedis() in this process (for afterAll/afterEach). */
export async function stopAllRedis(): Promise<void> {
  const instances = [...live];
  live.clear();
  await Promise.all(instances.map((instance) => instance.dispose()));
}

import { Session } from 'node:inspector';

/**
 * The inspector of the watched thread, as the watchdog worker reaches it: commands out, protocol events in. For the
 * main thread, a session of its own (`connectToMainThread`); for a worker thread, the main thread's `NodeWorker`
 * domain relays to a session attached to that worker ({@link WorkerAttachment}).
 */
export interface InspectorLink {
  /** Sends a command; `callback` gets its answer. Throws when the link is closed. */
  post(method: string, params: object, callback: (error: Error | null, result?: unknown) => void): void;
  /** Listens to a protocol event of the watched thread (`Debugger.paused`…); `params` as the protocol sends them. */
  on(event: string, listener: (params: unknown) => void): void;
  /** Ends what this link opened; the watched thread, if it was ours to pause, is let go with it. */
  close(): void;
}

/** A session on the main thread, for one capture. */
export function mainThreadLink(): InspectorLink {
  const session = new Session();
  session.connectToMainThread();
  return {
    post: (method, params, callback) => session.post(method, params, (error, result) => callback(error, result)),
    on: (event, listener) => session.on(event, (message: { params?: unknown }) => listener(message.params)),
    close: () => session.disconnect(),
  };
}

interface Relayed {
  id?: number;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { message: string };
}

/**
 * A session attached to one worker thread through the main thread's `NodeWorker` domain, kept for the life of the
 * watchdog: attaching needs the worker to answer, so it is done at start, while it does; a command sent later (a
 * `Debugger.pause`) is handled by the worker even while its loop is blocked. The main thread relays every message,
 * so a capture needs the main thread's loop to turn. The other workers the domain attaches to are detached at once.
 */
export class WorkerAttachment {
  readonly #session = new Session();
  #sessionId: string | undefined;
  #nextId = 1;
  readonly #answers = new Map<number, (error: Error | null, result?: unknown) => void>();
  readonly #listeners = new Set<{ event: string; listener: (params: unknown) => void }>();
  #gone: string | undefined;

  private constructor(readonly threadId: number) {}

  /**
   * Attaches to worker thread `threadId`, found by the title Node gives it (`[worker <threadId>]`, then its name).
   * @throws when the inspector is unavailable or no such worker is found
   */
  static async attach(threadId: number): Promise<WorkerAttachment> {
    const attachment = new WorkerAttachment(threadId);
    await attachment.#connect();
    return attachment;
  }

  async #connect(): Promise<void> {
    const session = this.#session;
    session.connectToMainThread();
    const prefix = `[worker ${this.threadId}]`;
    session.on('NodeWorker.attachedToWorker', ({ params }) => {
      const { sessionId, workerInfo } = params as { sessionId: string; workerInfo: { title: string } };
      if (this.#sessionId === undefined && (workerInfo.title === prefix || workerInfo.title.startsWith(`${prefix} `))) {
        this.#sessionId = sessionId;
        return;
      }
      // not the watched thread (another worker, this watchdog, one started later): leave it alone
      this.#detach(sessionId);
    });
    session.on('NodeWorker.detachedFromWorker', ({ params }) => {
      if ((params as { sessionId: string }).sessionId === this.#sessionId) this.#end(`worker thread ${this.threadId} ended`);
    });
    session.on('NodeWorker.receivedMessageFromWorker', ({ params }) => {
      const { sessionId, message } = params as { sessionId: string; message: string };
      if (sessionId !== this.#sessionId) return;
      this.#receive(JSON.parse(message) as Relayed);
    });
    await new Promise<void>((resolve, reject) => {
      session.post('NodeWorker.enable', { waitForDebuggerOnStart: false }, (error) => (error ? reject(error) : resolve()));
    });
    // the domain announces the workers that exist before it answers
    if (this.#sessionId === undefined) {
      this.close();
      throw new Error(`worker thread ${this.threadId} is not among the workers the main thread's inspector knows`);
    }
  }

  #detach(sessionId: string): void {
    try {
      this.#session.post('NodeWorker.detach', { sessionId });
    } catch {
      // closed meanwhile
    }
  }

  #receive(message: Relayed): void {
    if (message.id !== undefined) {
      const answer = this.#answers.get(message.id);
      this.#answers.delete(message.id);
      answer?.(message.error ? new Error(message.error.message) : null, message.result);
      return;
    }
    for (const { event, listener } of this.#listeners) if (event === message.method) listener(message.params);
  }

  #end(why: string): void {
    this.#gone ??= why;
    const answers = [...this.#answers.values()];
    this.#answers.clear();
    for (const answer of answers) answer(new Error(why));
  }

  /** A link for one capture; closing it removes its listeners and keeps the attachment. */
  link(): InspectorLink {
    const mine = new Set<{ event: string; listener: (params: unknown) => void }>();
    return {
      post: (method, params, callback) => {
        if (this.#gone !== undefined || this.#sessionId === undefined) throw new Error(this.#gone ?? 'not attached');
        const id = this.#nextId++;
        this.#answers.set(id, callback);
        this.#session.post('NodeWorker.sendMessageToWorker', { sessionId: this.#sessionId, message: JSON.stringify({ id, method, params }) }, (error) => {
          if (error) this.#answers.delete(id);
          if (error) callback(error);
        });
      },
      on: (event, listener) => {
        const entry = { event, listener };
        mine.add(entry);
        this.#listeners.add(entry);
      },
      close: () => {
        for (const entry of mine) this.#listeners.delete(entry);
        // the attachment outlives the capture: a debugger left enabled would stop the worker at its next `debugger;`
        if (this.#gone === undefined && this.#sessionId !== undefined) {
          this.#session.post('NodeWorker.sendMessageToWorker', {
            sessionId: this.#sessionId,
            message: JSON.stringify({ id: this.#nextId++, method: 'Debugger.disable', params: {} }),
          });
        }
      },
    };
  }

  /** Detaches from the worker and disconnects from the main thread. */
  close(): void {
    this.#end('the watchdog stopped');
    try {
      this.#session.disconnect();
    } catch {
      // already disconnected
    }
  }
}

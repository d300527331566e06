import { Session } from 'node:inspector';

/** A connected in-process inspector session with a promise-returning `post`. */
export class InspectorSession {
  private session: Session | undefined = new Session();

  constructor() {
    this.session!.connect();
  }

  post<T = unknown>(method: string, params?: object): Promise<T> {
    const session = this.session;
    if (!session) return Promise.reject(new Error('inspector session is closed'));
    return new Promise((resolve, reject) => {
      session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T)));
    });
  }

  /** Never throws. */
  close(): void {
    try {
      this.session?.disconnect();
    } catch {
      // already disconnected
    }
    this.session = undefined;
  }
}

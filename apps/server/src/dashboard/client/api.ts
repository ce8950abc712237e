/** A call the server refused or could not answer: its HTTP status (0: no answer) and why. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The server's API with the token on every call. */
export interface Api {
  get<T>(path: string, options?: { signal?: AbortSignal }): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  /** A streaming GET (server-sent events): the body to read. */
  stream(
    path: string,
    options: { lastEventId?: number | undefined; signal: AbortSignal },
  ): Promise<ReadableStream<Uint8Array>>;
}

/** The API of the server that served the page, called with `token`. */
export function createApi(token: string, fetcher: typeof fetch = fetch.bind(globalThis)): Api {
  const call = async (path: string, init: RequestInit): Promise<Response> => {
    let response: Response;
    try {
      response = await fetcher(path, {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...init.headers },
        cache: 'no-store',
      });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new ApiError(0, `the server did not answer (${(error as Error).message})`);
    }
    if (!response.ok) throw new ApiError(response.status, await errorSentence(response));
    return response;
  };
  return {
    get: async (path, options = {}) =>
      (await call(path, options.signal === undefined ? {} : { signal: options.signal })).json(),
    post: async (path, body) =>
      (
        await call(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json(),
    async stream(path, options) {
      const response = await call(path, {
        signal: options.signal,
        headers: {
          accept: 'text/event-stream',
          ...(options.lastEventId === undefined || options.lastEventId === 0
            ? {}
            : { 'last-event-id': String(options.lastEventId) }),
        },
      });
      if (response.body === null) throw new ApiError(response.status, `${path}: empty answer`);
      return response.body;
    },
  };
}

async function errorSentence(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (typeof body.error === 'string') return `${response.status}: ${body.error}`;
  } catch {
    // not JSON: say the status
  }
  return `${response.status} ${response.statusText}`.trim();
}

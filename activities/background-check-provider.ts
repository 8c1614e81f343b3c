/**
 * The background-check provider's API, shaped like Checkr's (candidate → invitation → report; HTTP basic auth with the
 * API key as user name; JSON bodies). Pointing it at the real service is configuration: `BACKGROUND_CHECK_API_URL`
 * `https://api.checkr.com` and `BACKGROUND_CHECK_API_KEY` the account's key. Development and tests point it at
 * `simulators/background-check.ts`.
 */
export interface BackgroundCheckProviderConfig {
  /** Base URL without `/v1`. */
  baseUrl: string;
  apiKey: string;
  /** The screening package the invitation orders. */
  packageSlug?: string;
  /** Work location the package is ordered for. */
  workState?: string;
}

export interface CandidateInput {
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  birthDate: string;
  /** This product's id for the candidate (the coach id). */
  customId: string;
}

export class ProviderError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
  /** 4xx other than 408/429: the request itself is wrong, retrying cannot help. */
  get permanent(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 429;
  }
}

export function createBackgroundCheckProvider(config: BackgroundCheckProviderConfig) {
  const auth = `Basic ${Buffer.from(`${config.apiKey}:`).toString('base64')}`;
  async function post<T>(path: string, body: Record<string, unknown>, idempotencyKey: string): Promise<T> {
    const res = await fetch(new URL(`/v1/${path}`, config.baseUrl), {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) {
      // The provider's error names the field; the body never echoes personal data back here.
      const error = (() => {
        try {
          return String((JSON.parse(text) as { error?: unknown }).error ?? res.statusText);
        } catch {
          return res.statusText;
        }
      })();
      throw new ProviderError(`background-check provider POST /v1/${path}: ${res.status} ${error}`, res.status);
    }
    return JSON.parse(text) as T;
  }

  return {
    name: 'checkr',
    /** One candidate per coach and request: the idempotency key makes a retried call answer the same candidate. */
    createCandidate: (c: CandidateInput, idempotencyKey: string) =>
      post<{ id: string; object: 'candidate' }>(
        'candidates',
        {
          first_name: c.firstName,
          last_name: c.lastName,
          email: c.email,
          phone: c.phone,
          dob: c.birthDate,
          custom_id: c.customId,
          no_middle_name: true,
        },
        `${idempotencyKey}:candidate`,
      ),
    /** Asks the candidate (by e-mail) to complete the provider's form; the report follows as webhooks. */
    createInvitation: (candidateId: string, idempotencyKey: string) =>
      post<{ id: string; object: 'invitation'; status: string; candidate_id: string; invitation_url?: string }>(
        'invitations',
        {
          candidate_id: candidateId,
          package: config.packageSlug ?? 'tasker_standard',
          work_locations: [{ country: 'US', state: config.workState ?? 'TX' }],
        },
        `${idempotencyKey}:invitation`,
      ),
  };
}

export type BackgroundCheckProvider = ReturnType<typeof createBackgroundCheckProvider>;

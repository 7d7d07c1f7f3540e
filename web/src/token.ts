// Where the page's bearer token comes from, in order: `?token=` (then removed
// from the address bar), this tab's sessionStorage, or — only when the engine
// runs embedded on loopback — its development token at /dashboard/dev-token.

const storageKey = 'learnstream.token';

export interface TokenClaims {
  role?: string;
  tenant_id?: string;
  sub?: string;
  exp?: number;
}

export function tokenFromAddress(): string | undefined {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token') ?? undefined;
  if (token) {
    url.searchParams.delete('token');
    // Out of the address bar and the history: it is a credential.
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  return token;
}

export function storedToken(): string | undefined {
  try {
    return sessionStorage.getItem(storageKey) ?? undefined;
  } catch {
    return undefined;
  }
}

export function storeToken(token: string | undefined): void {
  try {
    if (token) sessionStorage.setItem(storageKey, token);
    else sessionStorage.removeItem(storageKey);
  } catch {
    // Storage disabled: the token lives for this page view only.
  }
}

export async function devToken(): Promise<string | undefined> {
  try {
    const res = await fetch('/dashboard/dev-token', { cache: 'no-store' });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { token?: string };
    return body.token;
  } catch {
    return undefined;
  }
}

/** The token's claims, read without verification: only to choose defaults (the server checks it). */
export function claimsOf(token: string): TokenClaims {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(json) as TokenClaims;
  } catch {
    return {};
  }
}

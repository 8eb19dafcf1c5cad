/**
 * `application/smart-api-access` files: a SMART token response plus `aud` (the FHIR base the
 * token works at) and optional `query` hints. The bot runs the hints (or, without any, the
 * patient's `$everything`, falling back to US Core searches) against `aud` under the same network
 * rules, follows paging up to a cap, and adds what comes back to the review set. The token is
 * used for these requests only: never stored, logged or put in a message. A failure is a
 * warning, never a failed resolve.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { decodeUtf8 } from './base64url';
import { isShlError } from './errors';
import type { FetchContext } from './http';
import { fetchChecked } from './http';
import { parseJson } from './json';
import { isResource } from '../fhir/resource';

export interface ApiAccess {
  accessToken: string;
  aud: URL;
  queries: string[];
  patient?: string;
}

export interface ApiResults {
  /** One entry list per response Bundle (or lone resource), as the sender's server returned them. */
  contents: unknown[];
  warnings: string[];
}

/** At most this many pages per query, and this many resources in all. */
const US_CORE_SEARCHES = [
  'AllergyIntolerance',
  'Condition',
  'MedicationRequest',
  'Immunization',
  'Observation?category=laboratory',
  'Procedure',
];

/** Reads an API-access file; undefined when it is not one. */
export function readApiAccess(content: unknown): ApiAccess | undefined {
  const c = content as { access_token?: unknown; aud?: unknown; query?: unknown; patient?: unknown } | undefined;
  if (typeof c?.access_token !== 'string' || typeof c.aud !== 'string' || !URL.canParse(c.aud)) {
    return undefined;
  }
  const aud = new URL(c.aud.endsWith('/') ? c.aud : `${c.aud}/`);
  return {
    accessToken: c.access_token,
    aud,
    queries: Array.isArray(c.query) ? c.query.filter((q): q is string => typeof q === 'string').slice(0, 20) : [],
    ...(typeof c.patient === 'string' && { patient: c.patient }),
  };
}

/**
 * Runs the hints against `aud`; without any, the patient's `$everything`, and when the server
 * does not answer that (many do not offer it), US Core searches for the patient instead.
 */
export async function fetchApiData(ctx: FetchContext, access: ApiAccess): Promise<ApiResults> {
  const results: ApiResults = { contents: [], warnings: [] };
  // Pages are counted per query; resources against what the link may still hold.
  const budget = { resources: 0, max: ctx.budget.resourcesLeft() };
  if (access.queries.length > 0) {
    await runQueries(ctx, access, access.queries, results, budget);
  } else if (access.patient) {
    const patient = encodeURIComponent(access.patient);
    const everything: ApiResults = { contents: [], warnings: [] };
    await runQueries(ctx, access, [`Patient/${patient}/$everything`], everything, budget);
    if (everything.contents.length > 0) {
      results.contents.push(...everything.contents);
      results.warnings.push(...everything.warnings);
    } else {
      const searches = US_CORE_SEARCHES.map((q) => `${q}${q.includes('?') ? '&' : '?'}patient=${patient}`);
      await runQueries(ctx, access, searches, results, budget);
    }
  } else {
    await runQueries(ctx, access, US_CORE_SEARCHES, results, budget);
  }
  return results;
}

async function runQueries(
  ctx: FetchContext,
  access: ApiAccess,
  queries: string[],
  results: ApiResults,
  budget: { resources: number; max: number }
): Promise<void> {
  for (const query of queries) {
    let next: URL | undefined = resolveQuery(access.aud, query);
    if (!next) {
      results.warnings.push(`A suggested query of the sender's FHIR API was not a query on it; it was skipped.`);
      continue;
    }
    for (let page = 0; next && page < ctx.limits.apiMaxPages && budget.resources < budget.max; page++) {
      const body = await get(ctx, access, next, results.warnings);
      if (body === undefined) {
        break;
      }
      results.contents.push(body);
      budget.resources += (body as Bundle).entry?.length ?? 1;
      next = nextPage(access.aud, body);
    }
    if (budget.resources >= budget.max) {
      results.warnings.push(
        `The sender's FHIR API offered more than the ${String(budget.max)} resources left for this link; only the first were read.`
      );
      return;
    }
  }
}

async function get(ctx: FetchContext, access: ApiAccess, url: URL, warnings: string[]): Promise<Resource | undefined> {
  try {
    const response = await fetchChecked(ctx, url, {
      headers: { authorization: `Bearer ${access.accessToken}`, accept: 'application/fhir+json' },
    });
    if (response.status !== 200) {
      warnings.push(
        `The sender's FHIR API (${url.host}) answered HTTP ${response.status}; some shared data may be missing.`
      );
      return undefined;
    }
    const value = parseJson(decodeUtf8(response.body));
    if (!isResource(value)) {
      throw new Error('not FHIR');
    }
    return value;
  } catch (err) {
    warnings.push(
      isShlError(err)
        ? `The sender's FHIR API could not be read: ${err.message}`
        : `The sender's FHIR API (${url.host}) did not answer with FHIR; some shared data may be missing.`
    );
    return undefined;
  }
}

/** A query hint as a URL on `aud`; undefined when it would leave it. */
function resolveQuery(aud: URL, query: string): URL | undefined {
  try {
    const url = new URL(query.replace(/^\//, ''), aud);
    return url.origin === aud.origin && url.pathname.startsWith(aud.pathname) ? url : undefined;
  } catch {
    return undefined;
  }
}

function nextPage(aud: URL, body: unknown): URL | undefined {
  const next = (body as Bundle).link?.find((l) => l.relation === 'next')?.url;
  return next ? resolveQuery(aud, next) : undefined;
}

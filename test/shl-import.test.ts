/**
 * The `shl-import` bot end to end: sealed input, a real SHL sender on 127.0.0.1, real
 * encryption, every contract error code, and no secret in anything the bot returns or logs.
 */
import type { Bundle, Observation, Patient } from '@medplum/fhirtypes';
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import type { BotHarness } from './support/bot';
import { createBotHarness, errorCode, ok } from './support/bot';
import { encodeShlink, ShlSender } from '../local/shl-sender';

const patient: Patient = {
  resourceType: 'Patient',
  id: 'p1',
  name: [{ family: 'Argonaut', given: ['Jessica'] }],
  birthDate: '1985-03-15',
};

function bundle(...resources: (Observation | Patient)[]): string {
  const entries = [patient, ...resources].map((resource) => ({
    fullUrl: `urn:uuid:${createHash('md5')
      .update(`${resource.resourceType}/${resource.id ?? ''}`)
      .digest('hex')
      .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5')}`,
    resource,
  }));
  return JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: entries } satisfies Bundle);
}

function observation(id: string, subject = 'Patient/p1'): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { text: 'Glucose' },
    subject: { reference: subject },
  };
}

const FHIR = 'application/fhir+json';

let sender: ShlSender;
let bot: BotHarness;
const secretsSeen: string[] = [];
const logs: string[] = [];

beforeAll(async () => {
  sender = await ShlSender.start();
  bot = await createBotHarness({ SHL_ALLOW_HOSTS: sender.host, SHL_RECIPIENT: 'Example Clinic front desk' });
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logs.push(args.map(String).join(' '));
    });
  }
});

afterAll(async () => {
  vi.restoreAllMocks();
  await sender.close();
});

/** Every test records the link, key and passcode it used; none may appear in output or logs. */
async function resolveChecked(
  link: { shl: string; key: string },
  options: { passcode?: string; recipient?: string } = {}
): Promise<Awaited<ReturnType<BotHarness['resolve']>>> {
  secretsSeen.push(link.shl, link.key, link.shl.slice('shlink:/'.length));
  if (options.passcode) {
    secretsSeen.push(options.passcode);
  }
  const output = await bot.resolve(link.shl, options);
  const text = JSON.stringify(output);
  for (const secret of secretsSeen) {
    expect(text).not.toContain(secret);
  }
  return output;
}

afterEach(() => {
  const logged = logs.join('\n');
  for (const secret of secretsSeen) {
    expect(logged).not.toContain(secret);
  }
});

describe('public-key', () => {
  test('answers the public half only, with a thumbprint kid', async () => {
    const jwk = await bot.publicKey();
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'enc', alg: 'ECDH-ES' });
    expect(jwk.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(jwk).not.toHaveProperty('d');
  });

  test('not-configured without a usable SHL_IMPORT_KEY', async () => {
    for (const value of [undefined, 'not json', '{"kty":"RSA"}']) {
      const harness = await createBotHarness();
      if (value === undefined) {
        delete harness.secrets.SHL_IMPORT_KEY;
      } else {
        harness.secrets.SHL_IMPORT_KEY = { name: 'SHL_IMPORT_KEY', valueString: value };
      }
      expect(errorCode(await harness.run({ operation: 'public-key' }))).toBe('not-configured');
    }
  });
});

describe('input checks', () => {
  test('an unsealed link is refused and never fetched', async () => {
    const link = await sender.createLink({ files: [{ content: bundle(), contentType: FHIR }] });
    secretsSeen.push(link.key);
    const before = sender.requests.length;
    const output = await bot.run({ operation: 'resolve', shl: link.shl });
    expect(errorCode(output)).toBe('sealing-required');
    expect(JSON.stringify(output)).not.toContain(link.key);
    expect(sender.requests.length).toBe(before);
  });

  test('input sealed to another key is refused', async () => {
    const other = await createBotHarness();
    const link = await sender.createLink({ files: [{ content: bundle(), contentType: FHIR }] });
    secretsSeen.push(link.key);
    const { sealForBot } = await import('./support/seal');
    const sealed = await sealForBot(await other.publicKey(), { shl: link.shl });
    expect(errorCode(await bot.run({ operation: 'resolve', sealed }))).toBe('sealing-required');
  });

  test('unknown operations and non-object input are invalid-input', async () => {
    expect(errorCode(await bot.run({ operation: 'explode' }))).toBe('invalid-input');
    expect(errorCode(await bot.run('not json'))).toBe('invalid-input');
    expect(errorCode(await bot.run([1, 2]))).toBe('invalid-input');
  });

  test('sealed text without a link is invalid-input', async () => {
    const { CompactEncrypt, importJWK } = await import('jose');
    const jwk = await bot.publicKey();
    const sealed = await new CompactEncrypt(new TextEncoder().encode('{"nope":1}'))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', kid: jwk.kid })
      .encrypt(await importJWK({ ...jwk }, 'ECDH-ES'));
    expect(errorCode(await bot.run({ operation: 'resolve', sealed }))).toBe('invalid-input');
  });

  test('invalid links and newer versions are refused before any request', async () => {
    const before = sender.requests.length;
    const notALink = await bot.resolve('hello');
    expect(errorCode(notALink)).toBe('invalid-link');
    const key = 'rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q';
    secretsSeen.push(key);
    const v2 = encodeShlink({ url: `${sender.origin}/never`, key, v: 2 });
    expect(errorCode(await resolveChecked({ shl: v2, key }))).toBe('unsupported-version');
    const up = encodeShlink({ url: `${sender.origin}/never`, key, flag: 'UP' });
    expect(errorCode(await resolveChecked({ shl: up, key }))).toBe('invalid-link');
    expect(sender.requests.length).toBe(before);
  });
});

describe('resolve', () => {
  test('an embedded zip file: resources, subject, source and file report', async () => {
    const link = await sender.createLink({
      files: [{ content: bundle(observation('o1'), observation('o2')), contentType: FHIR, zip: true }],
      label: 'Visit summary — résumé',
      flag: 'L',
    });
    const result = ok(await resolveChecked(link));
    expect(result.resources.map((r) => `${r.resourceType}/${r.id ?? ''}`)).toEqual([
      'Patient/p1',
      'Observation/o1',
      'Observation/o2',
    ]);
    expect(result.patient?.id).toBe('p1');
    expect(result.matches).toEqual([]);
    expect(result.files).toEqual([{ contentType: FHIR, status: 'ok', resourceCount: 3 }]);
    expect(result.source).toMatchObject({
      label: 'Visit summary — résumé',
      origin: sender.origin,
      flags: 'L',
      linkId: createHash('sha256').update(link.url).digest('hex'),
    });
    expect(Date.parse(result.source.retrievedAt)).toBeGreaterThan(Date.now() - 60_000);
    const manifestRequest = sender.requests.findLast((r) => r.method === 'POST');
    expect(manifestRequest?.body).toMatchObject({ recipient: 'Example Clinic front desk' });
  });

  test('location files are fetched, several files of several types are reported', async () => {
    sender.serve(
      '/fhir/Condition',
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [
          {
            fullUrl: `${sender.origin}/fhir/Condition/api-1`,
            resource: {
              resourceType: 'Condition',
              id: 'api-1',
              subject: { reference: 'Patient/p1' },
              code: { text: 'Asthma' },
            },
          },
        ],
      })
    );
    const link = await sender.createLink({
      files: [
        { content: bundle(observation('o1')), contentType: FHIR, delivery: 'location', zip: true },
        { content: JSON.stringify(observation('o9')), contentType: FHIR, delivery: 'location', cty: null },
        {
          content: JSON.stringify({
            access_token: 'secret-token-123',
            aud: `${sender.origin}/fhir`,
            query: ['Condition?patient=p1'],
          }),
          contentType: 'application/smart-api-access',
        },
        { content: '{"x":1}', contentType: 'application/x-unknown' },
      ],
    });
    secretsSeen.push('secret-token-123');
    const result = ok(await resolveChecked(link, { recipient: 'Dr. Input' }));
    expect(result.files.map((f) => [f.contentType, f.status, f.resourceCount])).toEqual([
      [FHIR, 'ok', 2],
      [FHIR, 'ok', 1],
      ['application/smart-api-access', 'ok', 1],
      ['application/x-unknown', 'skipped', 0],
    ]);
    expect(result.resources).toHaveLength(4);
    // The API's Condition names the link's Patient: its reference is rewritten like any other.
    expect(result.resources.find((r) => r.id === 'api-1')).toMatchObject({ subject: { reference: 'Patient/p1' } });
    expect(sender.requests.findLast((r) => r.method === 'POST')?.body).toMatchObject({ recipient: 'Dr. Input' });
  });

  test('a content type is sniffed when neither manifest nor cty give one', async () => {
    const link = await sender.createLink({
      files: [{ content: bundle(observation('o1')), contentType: 'application/json', cty: null }],
    });
    expect(ok(await resolveChecked(link)).files[0]).toMatchObject({ contentType: FHIR, status: 'ok' });
  });

  test('without an input or SHL_RECIPIENT, the recipient is the project name', async () => {
    const plain = await createBotHarness({ SHL_ALLOW_HOSTS: sender.host });
    const link = await sender.createLink({ files: [{ content: bundle(), contentType: FHIR }] });
    secretsSeen.push(link.key);
    ok(await plain.resolve(link.shl));
    expect(sender.requests.at(-1)?.body).toMatchObject({ recipient: plain.medplum.getProject()?.name });
    expect(plain.medplum.getProject()?.name).toBeTruthy();
  });

  test('U links GET the file with recipient added to an existing query string', async () => {
    const link = await sender.createLink({
      files: [{ content: bundle(observation('o1')), contentType: FHIR, cty: FHIR }],
      flag: 'LU',
      manifestPath: '?format=jose',
    });
    const result = ok(await resolveChecked(link));
    expect(result.resources).toHaveLength(2);
    const request = sender.requests.at(-1);
    expect(request?.method).toBe('GET');
    expect(request?.recipient).toBe('Example Clinic front desk');
  });

  test('passcodes: none asked -> passcode-required with no request; wrong -> remaining attempts; right -> ok', async () => {
    const link = await sender.createLink({
      files: [{ content: bundle(), contentType: FHIR }],
      flag: 'P',
      passcode: '8675309',
      attempts: 3,
    });
    secretsSeen.push('8675309', 'wrong-1');
    const before = sender.requests.length;
    expect(errorCode(await resolveChecked(link))).toBe('passcode-required');
    expect(sender.requests.length).toBe(before);
    const wrong = await resolveChecked(link, { passcode: 'wrong-1' });
    expect(wrong).toMatchObject({ error: { code: 'passcode-invalid', remainingAttempts: 2 } });
    expect(ok(await resolveChecked(link, { passcode: '8675309' })).patient?.id).toBe('p1');
  });

  test('a spent passcode budget ends in not-found', async () => {
    const link = await sender.createLink({
      files: [{ content: bundle(), contentType: FHIR }],
      flag: 'P',
      passcode: 'right',
      attempts: 1,
    });
    secretsSeen.push('nope');
    expect(await resolveChecked(link, { passcode: 'nope' })).toMatchObject({
      error: { code: 'passcode-invalid', remainingAttempts: 0 },
    });
    expect(errorCode(await resolveChecked(link, { passcode: 'right' }))).toBe('not-found');
  });

  test.each([
    [404, {}, undefined, 'not-found'],
    [410, {}, undefined, 'not-found'],
    [429, { 'retry-after': '30' }, undefined, 'rate-limited'],
    [400, {}, '{"error":"Link expired"}', 'not-found'],
    [400, {}, '{"error":"Something else"}', 'fetch-failed'],
    [500, {}, 'oops', 'fetch-failed'],
  ])('sender status %i maps to the contract', async (status, headers, body, code) => {
    const link = await sender.createLink({
      files: [{ content: bundle(), contentType: FHIR }],
      response: { status, headers, ...(body !== undefined && { body }) },
    });
    const output = await resolveChecked(link);
    expect(errorCode(output)).toBe(code);
    if (status === 429) {
      expect(output).toMatchObject({ error: { retryAfter: 30 } });
    }
  });

  test('a 400 with a passcode sent says the passcode may be wrong, without inventing attempts', async () => {
    const link = await sender.createLink({
      files: [{ content: bundle(), contentType: FHIR }],
      flag: 'P',
      passcode: 'passcode-400',
      response: { status: 400, body: '{"error":"Invalid passcode"}' },
    });
    const output = await resolveChecked(link, { passcode: 'passcode-400' });
    expect(errorCode(output)).toBe('passcode-invalid');
    expect(output).not.toHaveProperty('error.remainingAttempts');
  });

  test('an expired link is still requested, with a warning', async () => {
    const link = await sender.createLink({ files: [{ content: bundle(), contentType: FHIR }], exp: 1706745600 });
    const result = ok(await resolveChecked(link));
    expect(result.source.expiresAt).toBe('2024-02-01T00:00:00.000Z');
    expect(result.warnings.join(' ')).toMatch(/expired/);
  });

  test('a tampered file fails the whole resolve with decrypt-failed', async () => {
    const link = await sender.createLink({
      files: [
        { content: bundle(), contentType: FHIR },
        { content: bundle(observation('o1')), contentType: FHIR, tamper: true },
      ],
    });
    expect(errorCode(await resolveChecked(link))).toBe('decrypt-failed');
  });

  test('a stale location is fetched again from a fresh manifest, once', async () => {
    const link = await sender.createLink({
      files: [{ content: bundle(observation('o1')), contentType: FHIR, delivery: 'location', locationStaleOnce: true }],
    });
    const result = ok(await resolveChecked(link));
    expect(result.resources).toHaveLength(2);
    expect(sender.manifestRequestCount(link.id)).toBe(2);
  });

  test('a file that cannot be fetched is marked failed and the rest returned', async () => {
    const link = await sender.createLink({
      files: [
        { content: bundle(observation('o1')), contentType: FHIR },
        { content: bundle(), contentType: FHIR, delivery: 'location', locationStatus: 500 },
      ],
    });
    const result = ok(await resolveChecked(link));
    expect(result.files.map((f) => f.status)).toEqual(['ok', 'failed']);
    expect(result.warnings.join(' ')).toMatch(/1 of 2 files could not be read/);
  });

  test('when no file can be fetched, the answer is the error', async () => {
    const link = await sender.createLink({
      files: [{ content: bundle(), contentType: FHIR, delivery: 'location', locationStatus: 500 }],
    });
    expect(errorCode(await resolveChecked(link))).toBe('fetch-failed');
  });

  test('no-longer-valid files and manifests are skipped with a message', async () => {
    const perFile = await sender.createLink({
      files: [
        { content: bundle(observation('o1')), contentType: FHIR },
        { content: bundle(), contentType: FHIR, status: 'no-longer-valid' },
      ],
    });
    expect(ok(await resolveChecked(perFile)).files.map((f) => f.status)).toEqual(['ok', 'skipped']);
    const topLevel = await sender.createLink({
      files: [{ content: bundle(), contentType: FHIR }],
      topLevelStatus: 'no-longer-valid',
    });
    const result = ok(await resolveChecked(topLevel));
    expect(result.resources).toEqual([]);
    expect(result.warnings.join(' ')).toMatch(/no longer valid/);
  });

  test('an empty manifest is a result with a warning, not an error', async () => {
    const link = await sender.createLink({ files: [] });
    const result = ok(await resolveChecked(link));
    expect(result.resources).toEqual([]);
    expect(result.warnings.join(' ')).toMatch(/shares no files/);
  });
});

describe('connections', () => {
  test('a run leaves no connection open to the sender (vmcontext evaluates the bot anew each run)', async () => {
    const bot = await createBotHarness({ SHL_ALLOW_HOSTS: sender.host });
    const link = await sender.createLink({
      files: [
        { content: bundle(observation('o1')), contentType: FHIR, delivery: 'location' },
        { content: bundle(observation('o2')), contentType: FHIR, delivery: 'location' },
      ],
    });
    ok(await bot.resolve(link.shl));
    await vi.waitFor(async () => {
      expect(await sender.openConnections()).toBe(0);
    });
  });
});

describe('limits and network rules', () => {
  test('a response over SHL_MAX_RESPONSE_BYTES is too-large', async () => {
    const small = await createBotHarness({ SHL_ALLOW_HOSTS: sender.host, SHL_MAX_RESPONSE_BYTES: '2000' });
    const big = bundle(...Array.from({ length: 50 }, (_, i) => observation(`o${i}`)));
    const link = await sender.createLink({ files: [{ content: big, contentType: FHIR, delivery: 'location' }] });
    secretsSeen.push(link.key);
    expect(errorCode(await small.resolve(link.shl))).toBe('too-large');
  });

  test('an inflated file over SHL_MAX_FILE_BYTES is too-large', async () => {
    const small = await createBotHarness({ SHL_ALLOW_HOSTS: sender.host, SHL_MAX_FILE_BYTES: '100000' });
    const padded = JSON.stringify({ ...observation('o1'), note: [{ text: ' '.repeat(5_000_000) }] });
    const link = await sender.createLink({ files: [{ content: padded, contentType: FHIR, zip: true }] });
    secretsSeen.push(link.key);
    expect(errorCode(await small.resolve(link.shl))).toBe('too-large');
  });

  test('plain http to a host that is not allow-listed is refused', async () => {
    const strict = await createBotHarness();
    const link = await sender.createLink({ files: [{ content: bundle(), contentType: FHIR }] });
    secretsSeen.push(link.key);
    const before = sender.requests.length;
    const output = await strict.resolve(link.shl);
    expect(errorCode(output)).toBe('fetch-failed');
    expect(sender.requests.length).toBe(before);
  });

  test('a sender slower than SHL_REQUEST_TIMEOUT_MS is fetch-failed', async () => {
    const impatient = await createBotHarness({ SHL_ALLOW_HOSTS: sender.host, SHL_REQUEST_TIMEOUT_MS: '200' });
    const link = await sender.createLink({ files: [{ content: bundle(), contentType: FHIR }], delayMs: 2000 });
    secretsSeen.push(link.key);
    const started = Date.now();
    expect(errorCode(await impatient.resolve(link.shl))).toBe('fetch-failed');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test('more files than SHL_MAX_FILES are cut with a warning', async () => {
    const few = await createBotHarness({ SHL_ALLOW_HOSTS: sender.host, SHL_MAX_FILES: '2' });
    const link = await sender.createLink({
      files: [1, 2, 3].map((n) => ({ content: JSON.stringify(observation(`o${n}`)), contentType: FHIR })),
    });
    secretsSeen.push(link.key);
    const result = ok(await few.resolve(link.shl));
    expect(result.files).toHaveLength(2);
    expect(result.warnings.join(' ')).toMatch(/only the first 2/);
  });
});

/**
 * Local mode's back end: an in-memory Medplum with a few patients, the built bot with a fresh
 * key, a sample SHL sender with demo links, and the local API in front of them.
 */
import type { Patient } from '@medplum/fhirtypes';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import QRCode from 'qrcode';
import { generateImportKey } from '../scripts/keygen';
import type { LocalApi } from './api-server';
import { startLocalApi } from './api-server';
import type { DemoLink } from './demo-content';
import { createDemoLinks } from './demo-content';
import { createFhirServer } from './fhir-server';
import { ShlSender } from './shl-sender';

export interface LocalMode {
  api: LocalApi;
  sender: ShlSender;
  links: DemoLink[];
  close(): Promise<void>;
}

const SEED_PATIENTS: Omit<Patient, 'resourceType'>[] = [
  {
    name: [{ given: ['Jessica'], family: 'Argonaut' }],
    birthDate: '1985-03-15',
    telecom: [{ system: 'phone', value: '(555) 234-5678' }],
  },
  { name: [{ given: ['Homer'], family: 'Simpson' }], birthDate: '1956-05-12' },
  { name: [{ given: ['Marge'], family: 'Simpson' }], birthDate: '1958-03-19' },
  { name: [{ given: ['Maria'], family: 'Lopes' }], birthDate: '1981-02-11' },
  { name: [{ given: ['John'], family: 'Doe' }], birthDate: '1970-01-01' },
];

/** A QR code image (data URL); a health card's `shc:/` digits in numeric mode, as cards are printed. */
function qrImage(text: string): Promise<string> {
  const card = /^shc:\/([\d/]+)$/.exec(text);
  const segments = card?.[1]
    ? [
        { data: Buffer.from(`shc:/${card[1].replace(/\d+$/, '')}`), mode: 'byte' as const },
        { data: /\d+$/.exec(card[1])?.[0] ?? '', mode: 'numeric' as const },
      ]
    : text;
  return QRCode.toDataURL(segments, { errorCorrectionLevel: card ? 'L' : 'M' });
}

export async function startLocalMode(apiPort = 0): Promise<LocalMode> {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { stdio: 'pipe' });
  const { handler } = createRequire(import.meta.url)('../dist/bots/shl-import.js') as {
    handler: (medplum: unknown, event: unknown) => Promise<unknown>;
  };
  const medplum = createFhirServer();
  for (const patient of SEED_PATIENTS) {
    await medplum.createResource<Patient>({ resourceType: 'Patient', ...patient });
  }
  const sender = await ShlSender.start();
  const { links, issuer, issuerName, addResult } = await createDemoLinks(sender);
  const demo = await Promise.all(
    links.map(async (link) => ({
      ...link,
      qr: await qrImage(link.shl),
      ...(link.parts && { partQrs: await Promise.all(link.parts.map(qrImage)) }),
    }))
  );
  const { secret } = await generateImportKey();
  const secrets = Object.fromEntries(
    Object.entries({
      SHL_IMPORT_KEY: secret,
      SHL_ALLOW_HOSTS: sender.host,
      // A directory, as VCI publishes it: the issuer's name shows on the review's trust badges.
      SHL_TRUSTED_ISSUERS: JSON.stringify({ participating_issuers: [{ iss: issuer, name: issuerName }] }),
      SHL_RECIPIENT: 'Local demo clinic',
    }).map(([name, valueString]) => [name, { name, valueString }])
  );
  const api = await startLocalApi(
    {
      medplum,
      bot: handler,
      secrets,
      routes: {
        '/local/demo-links': () => demo,
        '/local/demo-links/add-result': () => {
          addResult();
          return { ok: true };
        },
      },
    },
    apiPort
  );
  return {
    api,
    sender,
    links,
    close: async () => {
      await api.close();
      await sender.close();
    },
  };
}

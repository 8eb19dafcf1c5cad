/**
 * A seeded generator of degraded 1280x720 camera frames holding SMART Health Link QR codes, for
 * the QR decoding benchmark (`npm run bench:qr`) and the decoder tests. The codes: bare and
 * viewer-prefixed `shlink:/` links with 0-80 character labels, and ~1,200-digit `shc:/` health
 * cards; QR versions 9-18, error correction M and L. The degradations are the ones front-desk
 * cameras bring: small codes (120-300 px), blur, JPEG artefacts, rotation, keystone, lighting
 * gradients, glare, low contrast, sensor noise, inverted colours and clutter, each at three
 * strengths (easy, medium, hard; harder tiers add further mild degradations). Everything is
 * computed here from the seed (the `qrcode` package draws the symbols, `jpeg-js` compresses), so
 * a seed always gives the same pixels.
 */
import jpeg from 'jpeg-js';
import QRCode from 'qrcode';
import { seededRandom } from '../support/patient-generator';

export const FRAME_WIDTH = 1280;
export const FRAME_HEIGHT = 720;

export const DEGRADATIONS = [
  'small',
  'blur',
  'jpeg',
  'rotation',
  'keystone',
  'lighting',
  'glare',
  'low-contrast',
  'noise',
  'inverted',
  'clutter',
] as const;
export type Degradation = (typeof DEGRADATIONS)[number];

export const TIERS = ['easy', 'medium', 'hard'] as const;
export type Tier = (typeof TIERS)[number];

export type CodeKind = 'shlink' | 'viewer' | 'shc';

/** Everything that decides one frame's pixels. */
export interface Scene {
  /** What the code holds; undefined for a frame without a code. */
  text: string | undefined;
  kind: CodeKind | 'none';
  ecLevel: 'L' | 'M';
  /** The symbol's side in pixels (quiet zone excluded), before perspective. */
  side: number;
  /** Where the symbol's centre is, in frame pixels. */
  center: [number, number];
  /** In-plane rotation (radians). */
  rotation: number;
  /** Tilt of the card about its horizontal and vertical axes (radians): keystone. */
  tilt: [number, number];
  /** Quiet zone and plain card around it, in modules. */
  quiet: number;
  cardMargin: number;
  /** Luminance (0-255) of dark and light modules: light-on-dark when `inverted`. */
  ink: number;
  paper: number;
  inverted: boolean;
  /** Objects on the desk around the card, and how many of them mimic finder patterns. */
  clutter: number;
  decoys: number;
  /** A brightness ramp across the code: the dark side's factor (1 = none), and its direction. */
  lightingLow: number;
  lightingAngle: number;
  /** A bright spot: centre offset from the code centre in symbol sides, radius in sides, peak added. */
  glare: { dx: number; dy: number; radius: number; strength: number } | undefined;
  /** Gaussian blur sigma (pixels), sensor noise sigma (luminance), JPEG quality (undefined: none). */
  blur: number;
  noise: number;
  jpegQuality: number | undefined;
}

export interface QrFrame {
  scene: Scene;
  /** The primary degradation (`empty` for frames without a code), its tier, and the extra ones. */
  degradation: Degradation | 'empty';
  tier: Tier;
  extras: Degradation[];
  /** QR version of the symbol (0 without a code). */
  version: number;
  width: number;
  height: number;
  /** RGBA pixels, row by row. */
  data: Uint8ClampedArray;
}

type Random = () => number;

function between(random: Random, low: number, high: number): number {
  return low + random() * (high - low);
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

const WORDS = [
  'Visit',
  'summary',
  'for',
  'Dr.',
  'Alvarez',
  'clinic',
  'labs',
  'IPS',
  'insurance',
  'card',
  'Maria',
  'Chen',
];
const HOSTS = ['shl.example.org', 'links.health-records.example.com', 'api.patient-portal.example.net', 'x.example.io'];

function base64url(random: Random, bytes: number): string {
  return Buffer.from(Array.from({ length: bytes }, () => Math.floor(random() * 256))).toString('base64url');
}

function label(random: Random): string | undefined {
  const length = Math.floor(between(random, 0, 81));
  let text = '';
  while (text.length < length) {
    text += (text ? ' ' : '') + pick(random, WORDS);
  }
  return text.slice(0, length).trim() || undefined;
}

/** A `shlink:/` link as SHL senders make them (url up to 128 characters, 32-byte key, label, flags). */
function shlink(random: Random): string {
  const url = `https://${pick(random, HOSTS)}/${random() < 0.5 ? 'api/shl/' : 'm/'}${base64url(random, Math.floor(between(random, 12, 43)))}`;
  const payload = {
    url,
    key: base64url(random, 32),
    ...(random() < 0.6 && { exp: 1767225600 + Math.floor(random() * 3e7) }),
    flag: pick(random, ['', 'L', 'P', 'LP', 'U']),
    label: label(random),
    v: 1,
  };
  return 'shlink:/' + Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/** The symbol's modules (row-major, 1 = dark), its size and version, for `text` at `ecLevel`. */
function symbol(
  text: string,
  kind: CodeKind,
  ecLevel: 'L' | 'M'
): { modules: Uint8Array; size: number; version: number } {
  // Health cards are two segments (byte `shc:/`, then numeric) as the SMART Health Cards spec says.
  const data =
    kind === 'shc'
      ? [
          { data: Buffer.from('shc:/'), mode: 'byte' as const },
          { data: text.slice('shc:/'.length), mode: 'numeric' as const },
        ]
      : text;
  let qr = QRCode.create(data, { errorCorrectionLevel: ecLevel });
  if (qr.version < 9) {
    qr = QRCode.create(data, { errorCorrectionLevel: ecLevel, version: 9 });
  }
  return { modules: qr.modules.data, size: qr.modules.size, version: qr.version };
}

/** A code's text: bare or viewer-prefixed link, or a ~1,200-digit health card; versions 9-18. */
function codeText(random: Random, ecLevel: 'L' | 'M'): { text: string; kind: CodeKind } {
  for (;;) {
    const roll = random();
    let kind: CodeKind;
    let text: string;
    if (roll < 0.4) {
      kind = 'shlink';
      text = shlink(random);
    } else if (roll < 0.75) {
      kind = 'viewer';
      text = `https://${pick(random, ['viewer.example.org/#', 'smarthealth.cards.example/shl#', 'wallet.example.com/v#'])}${shlink(random)}`;
    } else {
      kind = 'shc';
      const pairs = Math.floor(between(random, 550, 650));
      text = 'shc:/' + Array.from({ length: pairs }, () => String(Math.floor(random() * 78)).padStart(2, '0')).join('');
    }
    if (symbol(text, kind, ecLevel).version <= 18) {
      return { text, kind };
    }
  }
}

/** Severity of one degradation at a tier. */
function degrade(scene: Scene, degradation: Degradation, tier: Tier, random: Random, modules: number): void {
  const level = TIERS.indexOf(tier);
  const range = (ranges: [number, number][]): number => {
    const [low, high] = ranges[level] as [number, number];
    return between(random, low, high);
  };
  const pitch = (): number => scene.side / modules;
  switch (degradation) {
    case 'small':
      scene.side = range([
        [220, 300],
        [160, 220],
        [120, 160],
      ]);
      break;
    case 'blur':
      // Relative to the module pitch: what matters is how far a module bleeds into its neighbours.
      scene.blur = Math.max(
        scene.blur,
        pitch() *
          range([
            [0.2, 0.3],
            [0.3, 0.42],
            [0.42, 0.52],
          ])
      );
      break;
    case 'jpeg':
      scene.jpegQuality = Math.round(
        range([
          [45, 65],
          [25, 40],
          [10, 20],
        ])
      );
      break;
    case 'rotation':
      scene.rotation =
        (random() < 0.5 ? -1 : 1) *
        range([
          [0.17, 0.5],
          [0.5, 1.2],
          [1.2, Math.PI],
        ]);
      break;
    case 'keystone': {
      const amount = range([
        [0.26, 0.44],
        [0.44, 0.7],
        [0.7, 0.96],
      ]);
      const direction = between(random, 0, 2 * Math.PI);
      scene.tilt = [amount * Math.cos(direction), amount * Math.sin(direction)];
      break;
    }
    case 'lighting':
      scene.lightingLow = range([
        [0.55, 0.7],
        [0.3, 0.5],
        [0.12, 0.25],
      ]);
      scene.lightingAngle = between(random, 0, 2 * Math.PI);
      break;
    case 'glare': {
      const near = range([
        [0.45, 0.6],
        [0.25, 0.45],
        [0.05, 0.25],
      ]);
      const angle = between(random, 0, 2 * Math.PI);
      scene.glare = {
        dx: near * Math.cos(angle),
        dy: near * Math.sin(angle),
        radius: range([
          [0.1, 0.18],
          [0.15, 0.25],
          [0.2, 0.3],
        ]),
        strength: range([
          [90, 140],
          [140, 200],
          [200, 260],
        ]),
      };
      break;
    }
    case 'low-contrast': {
      const contrast = range([
        [90, 120],
        [50, 80],
        [28, 45],
      ]);
      const middle = between(random, 100, 160);
      scene.ink = middle - contrast / 2;
      scene.paper = middle + contrast / 2;
      break;
    }
    case 'noise':
      scene.noise = Math.max(
        scene.noise,
        range([
          [8, 14],
          [16, 24],
          [26, 36],
        ])
      );
      break;
    case 'inverted':
      scene.inverted = true;
      break;
    case 'clutter':
      scene.clutter = Math.round(
        range([
          [20, 30],
          [45, 65],
          [90, 130],
        ])
      );
      scene.decoys = [1, 3, 6][level] as number;
      if (level === 2) {
        // A sticker on a busy surface: a thin quiet zone and the clutter right up to it.
        scene.quiet = pick(random, [1, 2]);
        scene.cardMargin = 0;
      }
      break;
  }
}

/** A frame's scene: a code at a tier's size, the baseline camera, the primary and extra degradations. */
export function sceneFor(
  degradation: Degradation,
  tier: Tier,
  random: Random
): { scene: Scene; extras: Degradation[]; version: number } {
  const ecLevel = random() < 0.5 ? 'M' : 'L';
  const { text, kind } = codeText(random, ecLevel);
  const { size: modules, version } = symbol(text, kind, ecLevel);
  const scene: Scene = {
    text,
    kind,
    ecLevel,
    side: between(random, 300, 520),
    center: [0, 0],
    rotation: between(random, -0.14, 0.14),
    tilt: [between(random, -0.14, 0.14), between(random, -0.14, 0.14)],
    quiet: 4,
    cardMargin: between(random, 1, 6),
    ink: between(random, 20, 55),
    paper: between(random, 195, 235),
    inverted: false,
    clutter: Math.round(between(random, 3, 9)),
    decoys: 0,
    lightingLow: between(random, 0.85, 1),
    lightingAngle: between(random, 0, 2 * Math.PI),
    glare: undefined,
    blur: between(random, 0.5, 0.9),
    noise: between(random, 2, 4),
    jpegQuality: undefined,
  };
  const extras: Degradation[] = [];
  const others = DEGRADATIONS.filter((d) => d !== degradation && d !== 'small');
  for (let i = 0; i < TIERS.indexOf(tier); i++) {
    const extra = pick(
      random,
      others.filter((d) => !extras.includes(d))
    );
    extras.push(extra);
  }
  // Size first: blur is relative to the module pitch.
  degrade(scene, degradation, tier, random, modules);
  for (const extra of extras) {
    degrade(scene, extra, 'easy', random, modules);
  }
  const reach = (scene.side / modules) * (modules / 2 + scene.quiet + scene.cardMargin) * 1.5;
  scene.center = [
    between(random, Math.min(reach, FRAME_WIDTH / 2), Math.max(FRAME_WIDTH - reach, FRAME_WIDTH / 2)),
    between(random, Math.min(reach, FRAME_HEIGHT / 2), Math.max(FRAME_HEIGHT - reach, FRAME_HEIGHT / 2)),
  ];
  return { scene, extras, version };
}

/**
 * A code held square to the camera in the middle of a plain desk, sharp and well lit, with
 * `changes` applied: for tests that need one particular degradation.
 */
export function plainScene(text: string, kind: CodeKind, changes: Partial<Scene> = {}): Scene {
  return {
    text,
    kind,
    ecLevel: 'M',
    side: 400,
    center: [FRAME_WIDTH / 2, FRAME_HEIGHT / 2],
    rotation: 0,
    tilt: [0, 0],
    quiet: 4,
    cardMargin: 4,
    ink: 30,
    paper: 220,
    inverted: false,
    clutter: 4,
    decoys: 0,
    lightingLow: 1,
    lightingAngle: 0,
    glare: undefined,
    blur: 0.6,
    noise: 3,
    jpegQuality: undefined,
    ...changes,
  };
}

/** An empty scene: a grainy, cluttered desk with decoys and no code. */
function emptyScene(random: Random): Scene {
  return {
    text: undefined,
    kind: 'none',
    ecLevel: 'M',
    side: 0,
    center: [FRAME_WIDTH / 2, FRAME_HEIGHT / 2],
    rotation: 0,
    tilt: [0, 0],
    quiet: 0,
    cardMargin: 0,
    ink: 0,
    paper: 0,
    inverted: false,
    clutter: Math.round(between(random, 20, 120)),
    decoys: Math.round(between(random, 0, 6)),
    lightingLow: between(random, 0.4, 1),
    lightingAngle: between(random, 0, 2 * Math.PI),
    glare: undefined,
    blur: between(random, 0.5, 2),
    noise: between(random, 4, 36),
    jpegQuality: random() < 0.3 ? Math.round(between(random, 15, 60)) : undefined,
  };
}

/**
 * The benchmark set: `perCell` frames for each degradation and tier, then `empty` frames without
 * a code, generated one at a time (each frame is 3.7 MB of pixels).
 */
export function* degradedFrames(seed: number, perCell: number, empty: number): Generator<QrFrame> {
  const random = seededRandom(seed);
  for (const degradation of DEGRADATIONS) {
    for (const tier of TIERS) {
      for (let i = 0; i < perCell; i++) {
        const { scene, extras, version } = sceneFor(degradation, tier, random);
        yield { scene, degradation, tier, extras, version, ...renderScene(scene, Math.floor(random() * 2 ** 32)) };
      }
    }
  }
  for (let i = 0; i < empty; i++) {
    const scene = emptyScene(random);
    yield {
      scene,
      degradation: 'empty',
      tier: 'hard',
      extras: [],
      version: 0,
      ...renderScene(scene, Math.floor(random() * 2 ** 32)),
    };
  }
}

/** Three channels of floating-point luminance, row by row. */
interface Canvas {
  r: Float32Array;
  g: Float32Array;
  b: Float32Array;
}

function fillRect(canvas: Canvas, x0: number, y0: number, w: number, h: number, rgb: [number, number, number]): void {
  const left = Math.max(0, Math.floor(x0));
  const right = Math.min(FRAME_WIDTH, Math.floor(x0 + w));
  const top = Math.max(0, Math.floor(y0));
  const bottom = Math.min(FRAME_HEIGHT, Math.floor(y0 + h));
  for (let y = top; y < bottom; y++) {
    for (let x = left; x < right; x++) {
      const i = y * FRAME_WIDTH + x;
      canvas.r[i] = rgb[0];
      canvas.g[i] = rgb[1];
      canvas.b[i] = rgb[2];
    }
  }
}

function fillCircle(canvas: Canvas, cx: number, cy: number, radius: number, rgb: [number, number, number]): void {
  for (let y = Math.max(0, Math.floor(cy - radius)); y < Math.min(FRAME_HEIGHT, cy + radius); y++) {
    for (let x = Math.max(0, Math.floor(cx - radius)); x < Math.min(FRAME_WIDTH, cx + radius); x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2) {
        const i = y * FRAME_WIDTH + x;
        canvas.r[i] = rgb[0];
        canvas.g[i] = rgb[1];
        canvas.b[i] = rgb[2];
      }
    }
  }
}

/** The desk: a smoothly varying surface, objects, lines of print, and finder-pattern look-alikes. */
function drawDesk(canvas: Canvas, scene: Scene, random: Random): void {
  const base: [number, number, number] = [between(random, 90, 190), between(random, 80, 180), between(random, 70, 170)];
  const fx = between(random, 0.002, 0.008);
  const fy = between(random, 0.002, 0.008);
  const columns = Float32Array.from({ length: FRAME_WIDTH }, (_, x) => 0.12 * Math.sin(x * fx + 1.3));
  for (let y = 0; y < FRAME_HEIGHT; y++) {
    const row = Math.cos(y * fy + 0.7);
    for (let x = 0; x < FRAME_WIDTH; x++) {
      const shade = 1 + (columns[x] as number) * row;
      const i = y * FRAME_WIDTH + x;
      canvas.r[i] = base[0] * shade;
      canvas.g[i] = base[1] * shade;
      canvas.b[i] = base[2] * shade;
    }
  }
  const colour = (): [number, number, number] => [
    between(random, 0, 255),
    between(random, 0, 255),
    between(random, 0, 255),
  ];
  for (let i = 0; i < scene.clutter; i++) {
    const x = between(random, -50, FRAME_WIDTH);
    const y = between(random, -50, FRAME_HEIGHT);
    const kind = random();
    if (kind < 0.35) {
      fillRect(canvas, x, y, between(random, 20, 260), between(random, 20, 200), colour());
    } else if (kind < 0.55) {
      fillCircle(canvas, x, y, between(random, 8, 80), colour());
    } else if (kind < 0.8) {
      // A line of print: dark dashes of word length.
      const ink = between(random, 10, 80);
      const height = between(random, 5, 14);
      let cursor = x;
      const end = x + between(random, 80, 400);
      while (cursor < end) {
        const word = between(random, 10, 60);
        fillRect(canvas, cursor, y, word, height, [ink, ink, ink]);
        cursor += word + between(random, 4, 10);
      }
    } else {
      // Stripes: a barcode or a patterned object.
      const width = between(random, 60, 200);
      const height = between(random, 30, 120);
      let cursor = x;
      while (cursor < x + width) {
        const bar = between(random, 1, 8);
        fillRect(canvas, cursor, y, bar, height, [20, 20, 20]);
        cursor += bar + between(random, 1, 8);
      }
    }
  }
  for (let i = 0; i < scene.decoys; i++) {
    // Concentric squares 7:5:3, as a QR finder pattern.
    const unit = between(random, 2, 8);
    const x = between(random, 0, FRAME_WIDTH - 7 * unit);
    const y = between(random, 0, FRAME_HEIGHT - 7 * unit);
    fillRect(canvas, x, y, 7 * unit, 7 * unit, [25, 25, 25]);
    fillRect(canvas, x + unit, y + unit, 5 * unit, 5 * unit, [225, 225, 225]);
    fillRect(canvas, x + 2 * unit, y + 2 * unit, 3 * unit, 3 * unit, [25, 25, 25]);
  }
}

/** Solves the 8x8 system of the homography taking each `from` point to its `to` point. */
function homography(from: [number, number][], to: [number, number][]): number[] {
  const rows: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i] as [number, number];
    const [u, v] = to[i] as [number, number];
    rows.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    rows.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  for (let col = 0; col < 8; col++) {
    let best = col;
    for (let r = col + 1; r < 8; r++) {
      if (Math.abs((rows[r] as number[])[col] as number) > Math.abs((rows[best] as number[])[col] as number)) {
        best = r;
      }
    }
    [rows[col], rows[best]] = [rows[best] as number[], rows[col] as number[]];
    const pivot = rows[col] as number[];
    for (let r = 0; r < 8; r++) {
      const row = rows[r] as number[];
      if (r !== col) {
        const factor = (row[col] as number) / (pivot[col] as number);
        for (let c = col; c < 9; c++) {
          row[c] = (row[c] as number) - factor * (pivot[c] as number);
        }
      }
    }
  }
  return [...rows.map((row, i) => (row[8] as number) / (row[i] as number)), 1];
}

/** Where module coordinates (u, v) of the card land in the frame: rotation, tilt, perspective. */
function project(scene: Scene, modules: number, u: number, v: number): [number, number] {
  const pitch = scene.side / modules;
  const x = (u - modules / 2) * pitch;
  const y = (v - modules / 2) * pitch;
  const x1 = x * Math.cos(scene.rotation) - y * Math.sin(scene.rotation);
  const y1 = x * Math.sin(scene.rotation) + y * Math.cos(scene.rotation);
  const [a, b] = scene.tilt;
  const y2 = y1 * Math.cos(a);
  const z2 = y1 * Math.sin(a);
  const x3 = x1 * Math.cos(b) + z2 * Math.sin(b);
  const z3 = -x1 * Math.sin(b) + z2 * Math.cos(b);
  const focal = 1000;
  return [scene.center[0] + (focal * x3) / (focal + z3), scene.center[1] + (focal * y2) / (focal + z3)];
}

/** The card with its code, drawn over the desk with 3x3 supersampling. */
function drawCard(canvas: Canvas, scene: Scene, text: string, kind: CodeKind): void {
  const { modules, size } = symbol(text, kind, scene.ecLevel);
  const extent = scene.quiet + scene.cardMargin;
  const corners: [number, number][] = [
    [-extent, -extent],
    [size + extent, -extent],
    [size + extent, size + extent],
    [-extent, size + extent],
  ];
  const onFrame = corners.map(([u, v]) => project(scene, size, u, v));
  const h = homography(onFrame, corners);
  const [h0, h1, h2, h3, h4, h5, h6, h7] = h as [number, number, number, number, number, number, number, number];
  const dark = scene.inverted ? scene.paper : scene.ink;
  const light = scene.inverted ? scene.ink : scene.paper;
  const left = Math.max(0, Math.floor(Math.min(...onFrame.map((p) => p[0]))));
  const right = Math.min(FRAME_WIDTH, Math.ceil(Math.max(...onFrame.map((p) => p[0]))));
  const top = Math.max(0, Math.floor(Math.min(...onFrame.map((p) => p[1]))));
  const bottom = Math.min(FRAME_HEIGHT, Math.ceil(Math.max(...onFrame.map((p) => p[1]))));
  const samples = 3;
  for (let y = top; y < bottom; y++) {
    for (let x = left; x < right; x++) {
      let inside = 0;
      let luminance = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const px = x + (sx + 0.5) / samples;
          const py = y + (sy + 0.5) / samples;
          const w = h6 * px + h7 * py + 1;
          const u = (h0 * px + h1 * py + h2) / w;
          const v = (h3 * px + h4 * py + h5) / w;
          if (u < -extent || v < -extent || u >= size + extent || v >= size + extent) {
            continue;
          }
          inside++;
          const isModule =
            u >= 0 && v >= 0 && u < size && v < size && modules[Math.floor(v) * size + Math.floor(u)] === 1;
          luminance += isModule ? dark : light;
        }
      }
      if (inside > 0) {
        const i = y * FRAME_WIDTH + x;
        const cover = inside / samples ** 2;
        const mean = luminance / inside;
        // Paper is slightly warm; the rest of the pixel is the desk behind the card's edge.
        canvas.r[i] = cover * mean + (1 - cover) * (canvas.r[i] as number);
        canvas.g[i] = cover * mean * 0.98 + (1 - cover) * (canvas.g[i] as number);
        canvas.b[i] = cover * mean * 0.94 + (1 - cover) * (canvas.b[i] as number);
      }
    }
  }
}

/** Multiplies by a brightness ramp through the code and adds the glare spot. */
function light(canvas: Canvas, scene: Scene): void {
  const span = Math.max(scene.side, 400) * 0.75;
  const dx = Math.cos(scene.lightingAngle);
  const dy = Math.sin(scene.lightingAngle);
  const glare = scene.glare && {
    x: scene.center[0] + scene.glare.dx * scene.side,
    y: scene.center[1] + scene.glare.dy * scene.side,
    twoSigma2: 2 * (scene.glare.radius * scene.side) ** 2,
    strength: scene.glare.strength,
  };
  for (let y = 0; y < FRAME_HEIGHT; y++) {
    for (let x = 0; x < FRAME_WIDTH; x++) {
      const s = ((x - scene.center[0]) * dx + (y - scene.center[1]) * dy) / span;
      const t = Math.min(1, Math.max(0, 0.5 + 0.5 * s));
      const factor = scene.lightingLow + (1 - scene.lightingLow) * t;
      const add = glare ? glare.strength * Math.exp(-((x - glare.x) ** 2 + (y - glare.y) ** 2) / glare.twoSigma2) : 0;
      const i = y * FRAME_WIDTH + x;
      canvas.r[i] = (canvas.r[i] as number) * factor + add;
      canvas.g[i] = (canvas.g[i] as number) * factor + add;
      canvas.b[i] = (canvas.b[i] as number) * factor + add;
    }
  }
}

/** One box blur pass of `radius` along rows or columns, edges clamped (a running sum). */
function boxPass(source: Float32Array, target: Float32Array, radius: number, horizontal: boolean): void {
  const lines = horizontal ? FRAME_HEIGHT : FRAME_WIDTH;
  const length = horizontal ? FRAME_WIDTH : FRAME_HEIGHT;
  const step = horizontal ? 1 : FRAME_WIDTH;
  const width = 2 * radius + 1;
  for (let line = 0; line < lines; line++) {
    const start = horizontal ? line * FRAME_WIDTH : line;
    const last = start + (length - 1) * step;
    const first = source[start] as number;
    const end = source[last] as number;
    let sum = first * (radius + 1);
    for (let k = 1; k <= radius; k++) {
      sum += source[start + Math.min(k, length - 1) * step] as number;
    }
    for (let k = 0; k < length; k++) {
      target[start + k * step] = sum / width;
      const entering = k + radius + 1 < length ? (source[start + (k + radius + 1) * step] as number) : end;
      const leaving = k - radius >= 0 ? (source[start + (k - radius) * step] as number) : first;
      sum += entering - leaving;
    }
  }
}

/** Gaussian blur approximated by three box blurs (box sizes as in Kovesi's method). */
function blur(canvas: Canvas, sigma: number): void {
  const ideal = Math.sqrt((12 * sigma * sigma) / 3 + 1);
  let lower = Math.floor(ideal);
  if (lower % 2 === 0) {
    lower--;
  }
  const upper = lower + 2;
  const m = Math.round((12 * sigma * sigma - 3 * lower * lower - 12 * lower - 9) / (-4 * lower - 4));
  const radii = [0, 1, 2].map((i) => ((i < m ? lower : upper) - 1) / 2);
  const scratch = new Float32Array(FRAME_WIDTH * FRAME_HEIGHT);
  for (const channel of [canvas.r, canvas.g, canvas.b]) {
    for (const radius of radii) {
      if (radius > 0) {
        boxPass(channel, scratch, radius, true);
        boxPass(scratch, channel, radius, false);
      }
    }
  }
}

/** Sensor noise (luminance, plus half as much per channel), then 8-bit RGBA. */
function expose(canvas: Canvas, sigma: number, random: Random): Uint8ClampedArray {
  // 1,024 normal deviates (Box-Muller); each pixel picks three of them with one draw.
  const table = new Float32Array(1024);
  for (let i = 0; i < table.length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - random())) * sigma;
    const angle = 2 * Math.PI * random();
    table[i] = radius * Math.cos(angle);
    table[i + 1] = radius * Math.sin(angle);
  }
  const data = new Uint8ClampedArray(FRAME_WIDTH * FRAME_HEIGHT * 4);
  for (let i = 0; i < FRAME_WIDTH * FRAME_HEIGHT; i++) {
    const draw = (random() * 1073741824) | 0;
    const luma = table[draw & 1023] as number;
    const chroma = (table[(draw >> 10) & 1023] as number) * 0.5;
    const other = (table[draw >> 20] as number) * 0.5;
    data[i * 4] = (canvas.r[i] as number) + luma + chroma;
    data[i * 4 + 1] = (canvas.g[i] as number) + luma - other;
    data[i * 4 + 2] = (canvas.b[i] as number) + luma + other - chroma;
    data[i * 4 + 3] = 255;
  }
  return data;
}

/** The frame's RGBA pixels for a scene; `seed` decides the desk, the noise and nothing else. */
export function renderScene(scene: Scene, seed: number): { width: number; height: number; data: Uint8ClampedArray } {
  const random = seededRandom(seed);
  const pixels = FRAME_WIDTH * FRAME_HEIGHT;
  const canvas: Canvas = { r: new Float32Array(pixels), g: new Float32Array(pixels), b: new Float32Array(pixels) };
  drawDesk(canvas, scene, random);
  if (scene.text !== undefined && scene.kind !== 'none') {
    drawCard(canvas, scene, scene.text, scene.kind);
  }
  light(canvas, scene);
  blur(canvas, scene.blur);
  let data = expose(canvas, scene.noise, random);
  if (scene.jpegQuality !== undefined) {
    const encoded = jpeg.encode(
      { data: Buffer.from(data.buffer), width: FRAME_WIDTH, height: FRAME_HEIGHT },
      scene.jpegQuality
    );
    data = new Uint8ClampedArray(jpeg.decode(encoded.data, { useTArray: true, formatAsRGBA: true }).data.buffer);
  }
  return { width: FRAME_WIDTH, height: FRAME_HEIGHT, data };
}

/**
 * What one resolve may consume in all, over every file, card and API page it reads: the bytes
 * decrypted and inflated, the resources parsed, and the time, parsing, verification and
 * normalization included (the per-request timeouts cover only the network). A per-file cap
 * alone lets a link multiply it (many files, many cards); going over any budget answers
 * `too-large` before the memory it would take is spent.
 */
import { isShlError, ShlError } from './errors';
import { formatMb } from './jwe';
import type { Limits, Platform } from './platform';

const RESOURCE_TYPE = '"resourceType"';

export class ResolveBudget {
  private bytes: number;
  private resources: number;

  constructor(
    private readonly limits: Pick<Limits, 'maxFileBytes' | 'maxTotalBytes' | 'maxResources' | 'resolveTimeoutMs'>,
    private readonly now: Platform['now'],
    private readonly deadline: number
  ) {
    this.bytes = limits.maxTotalBytes;
    this.resources = limits.maxResources;
  }

  /** The most bytes one more file or card may decrypt or inflate to. */
  bytesLeft(): number {
    return Math.max(0, Math.min(this.limits.maxFileBytes, this.bytes));
  }

  /**
   * Runs `read` (decrypting or inflating one file or card) with `bytesLeft()` as its cap. When
   * the read passes a cap that the link's total set (what is left of it, below the per-file
   * limit), the answer names the total, not a per-file limit the file is within.
   */
  async readWithin<T>(read: (maxBytes: number) => T | Promise<T>): Promise<T> {
    const cap = this.bytesLeft();
    try {
      return await read(cap);
    } catch (err) {
      throw cap < this.limits.maxFileBytes && isShlError(err) && err.code === 'too-large' ? this.overTotal() : err;
    }
  }

  /** Counts decrypted or inflated bytes against the link's total. */
  spendBytes(count: number): void {
    this.bytes -= count;
    if (this.bytes < 0) {
      throw this.overTotal();
    }
  }

  /**
   * Refuses a file before parsing when it plainly holds more resources than are left: its
   * `"resourceType"` keys bound them (contained resources count too, hence the margin).
   */
  checkText(text: string): void {
    const allowed = 4 * this.resources + 100;
    let found = 0;
    for (let at = text.indexOf(RESOURCE_TYPE); at >= 0; at = text.indexOf(RESOURCE_TYPE, at + RESOURCE_TYPE.length)) {
      if (++found > allowed) {
        throw this.tooMany();
      }
    }
  }

  /** Resources the link may still hold. */
  resourcesLeft(): number {
    return Math.max(0, this.resources);
  }

  /** Counts parsed resources against the link's total. */
  spendResources(count: number): void {
    this.resources -= count;
    if (this.resources < 0) {
      throw this.tooMany();
    }
  }

  /** Throws once the whole resolve has taken longer than its deadline. */
  checkTime(): void {
    if (this.now() > this.deadline) {
      throw new ShlError(
        'too-large',
        `Reading this link took longer than ${Math.round(this.limits.resolveTimeoutMs / 1000)} s: it holds more than can be read at once. Ask the sender to share less at a time.`
      );
    }
  }

  private overTotal(): ShlError {
    return new ShlError(
      'too-large',
      `This link's files come to more than the ${formatMb(this.limits.maxTotalBytes)} one link may hold. Ask the sender to share less at a time.`
    );
  }

  private tooMany(): ShlError {
    return new ShlError(
      'too-large',
      `This link holds more than the ${this.limits.maxResources.toLocaleString('en-US')} resources one import may take. Ask the sender to share less at a time.`
    );
  }
}

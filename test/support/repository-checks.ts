/**
 * Checks that keep the repository standing on its own: no file may refer to the workspace
 * folder beside it (only CI's `.ci/run` may start the shared test server from there), and every
 * relative link in the Markdown files must reach a file, and a heading, inside the repository.
 * Pure functions over a root folder and a file list, so tests can also show them failing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';

/** Built from parts so that this file does not mention it. */
export const OUTSIDE_FOLDER = ['..', 'shared'].join('/');

/** The only file that may mention it: CI starts the shared Medplum server from there. */
export const ALLOWED_TO_MENTION = ['.ci/run'];

/**
 * Tracked files plus new ones not ignored, as paths relative to `root` (works on a fresh clone).
 * Regular files only: a symlinked `node_modules` or a deleted file is not the repository's text.
 */
export function repositoryFiles(root: string): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  return [...new Set(out.split('\0'))]
    .filter((path) => path !== '' && existsSync(join(root, path)) && lstatSync(join(root, path)).isFile())
    .sort();
}

/** Files (other than the allowed ones) whose bytes contain the outside folder's path. */
export function filesMentioningOutside(root: string, files: readonly string[]): string[] {
  return files.filter(
    (path) => !ALLOWED_TO_MENTION.includes(path) && readFileSync(join(root, path)).includes(OUTSIDE_FOLDER)
  );
}

export interface BrokenLink {
  file: string;
  target: string;
  reason: string;
}

/** Markdown without fenced code blocks and inline code: links and headings there are examples. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** The anchors GitHub gives a file's headings (lower case, punctuation dropped, spaces to `-`). */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const text = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const match of text.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const heading = (match[1] ?? '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Every link target in a Markdown text: inline links and images, reference definitions, src/href. */
export function linkTargets(markdown: string): string[] {
  const text = withoutCode(markdown);
  const targets: string[] = [];
  for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(m[1] ?? '');
  for (const m of text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) targets.push(m[1] ?? '');
  for (const m of text.matchAll(/\b(?:src|href)="([^"]+)"/g)) targets.push(m[1] ?? '');
  return targets;
}

/** Relative links in the given Markdown files that leave the repository or reach nothing. */
export function brokenLinks(root: string, markdownFiles: readonly string[]): BrokenLink[] {
  const broken: BrokenLink[] = [];
  const anchorsOf = (path: string): Set<string> => headingAnchors(readFileSync(path, 'utf8'));
  for (const file of markdownFiles) {
    const fullFile = join(root, file);
    for (const target of linkTargets(readFileSync(fullFile, 'utf8'))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: … are not ours to check
      const [pathPart = '', anchor] = target.split('#', 2);
      const path = decodeURIComponent(pathPart.split('?')[0] ?? '');
      if (path.startsWith('/')) {
        broken.push({ file, target, reason: 'absolute path' });
        continue;
      }
      const full = path === '' ? fullFile : resolve(dirname(fullFile), path);
      const inside = relative(root, full);
      if (inside.startsWith('..') || isAbsolute(inside)) {
        broken.push({ file, target, reason: 'outside the repository' });
      } else if (!existsSync(full)) {
        broken.push({ file, target, reason: 'no such file' });
      } else if (anchor && statSync(full).isFile() && extname(full) === '.md' && !anchorsOf(full).has(anchor)) {
        broken.push({ file, target, reason: 'no such heading' });
      }
    }
  }
  return broken;
}

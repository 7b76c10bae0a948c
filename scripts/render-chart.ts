/**
 * `tsx scripts/render-chart.ts <chart.svg> [out.png]`: renders an SVG chart the way a person would
 * see it, with headless Chromium (Debian's `chromium` package: `apt-get install -y chromium`), to a
 * PNG screenshot, and fails unless the browser produced a non-trivial image of the chart's size.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--hide-scrollbars',
];

async function main(): Promise<void> {
  const [svgArgument, pngArgument] = process.argv.slice(2);
  if (svgArgument === undefined) {
    process.stderr.write('usage: tsx scripts/render-chart.ts <chart.svg> [out.png]\n');
    process.exitCode = 2;
    return;
  }
  const svgPath = resolve(svgArgument);
  const pngPath = resolve(pngArgument ?? `${svgPath.replace(/\.svg$/, '')}.png`);
  const svg = await readFile(svgPath, 'utf8');
  const width = Number(/<svg[^>]*\swidth="(\d+)"/.exec(svg)?.[1]);
  const height = Number(/<svg[^>]*\sheight="(\d+)"/.exec(svg)?.[1]);
  if (!(width > 0 && height > 0)) throw new Error(`${svgPath} has no numeric width and height on its <svg> element.`);

  const profile = await mkdtemp(join(tmpdir(), 'render-chart-'));
  try {
    const browser = process.env.CHROMIUM ?? 'chromium';
    const code = await new Promise<number | null>((done, fail) => {
      const child = spawn(
        browser,
        [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, `--window-size=${width},${height}`, `--screenshot=${pngPath}`, pathToFileURL(svgPath).href],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      child.on('error', (error) => fail(new Error(`Could not start ${browser} (apt-get install -y chromium): ${error.message}`)));
      child.on('exit', done);
    });
    const png = await readFile(pngPath).catch(() => undefined);
    if (code !== 0 || png === undefined) throw new Error(`${browser} exited with ${code} and wrote no screenshot.`);
    const signature = png.subarray(0, 8).toString('hex');
    const pngWidth = png.readUInt32BE(16);
    const pngHeight = png.readUInt32BE(20);
    if (signature !== '89504e470d0a1a0a' || pngWidth !== width || pngHeight !== height) {
      throw new Error(`The screenshot is not a ${width}×${height} PNG (got ${pngWidth}×${pngHeight}).`);
    }
    const { size } = await stat(pngPath);
    process.stdout.write(`Rendered ${svgPath} with ${browser}: ${pngPath} (${width}×${height}, ${size} bytes)\n`);
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});

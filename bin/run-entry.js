// Which code a launcher runs. In a checkout (src/ is there) the TypeScript sources, through tsx, with no
// build step: a dist/ left by an earlier build may be stale, so it never runs from here. Without src/ (an
// installation of the build alone) the compiled dist/. The images run dist/ directly, with no launcher.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** Runs `src/NAME.ts` or `dist/NAME.js`, resolved from this bin/ folder. */
export async function runEntry(name) {
  const source = new URL(`../src/${name}.ts`, import.meta.url);
  if (existsSync(source)) {
    const tsx = await import('tsx/esm/api').catch((e) => {
      if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
      fail(`${fileURLToPath(source)} runs through tsx, a dev dependency that is not installed: run npm install (or run the build: node dist/${name}.js)`);
    });
    // The repository's tsconfig whatever the working directory (tsx would look for one there): the web
    // client's pages need its hono/jsx setting.
    const tsconfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
    tsx.register(existsSync(tsconfig) ? { tsconfig } : {});
    await import(source.href);
    return;
  }
  const compiled = new URL(`../dist/${name}.js`, import.meta.url);
  if (!existsSync(compiled)) fail(`neither src/${name}.ts nor dist/${name}.js is here: run npm run build in a checkout`);
  await import(compiled.href);
}

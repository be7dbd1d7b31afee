// Parse a Mermaid diagram read from stdin with the real Mermaid parser (npm `mermaid`).
// On success: exit 0 and print, as JSON, what Mermaid understood: the diagram type and, for a
// flowchart, the nodes and links it would lay out (ids, groups, displayed text, styles).
// On a parse error: exit 1 with the error on stderr.
// Mermaid needs a DOM (DOMPurify) even to parse: jsdom provides one. The packages are read from
// .cache/node/node_modules (installed by `make test-deps`), or from $MERMAID_NODE_MODULES.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modules = process.env.MERMAID_NODE_MODULES ?? join(here, '..', '.cache', 'node', 'node_modules');
const require = createRequire(join(modules, 'noop.js'));

const { JSDOM } = require('jsdom');
const { window } = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = window;
globalThis.document = window.document;

const manifest = JSON.parse(readFileSync(join(modules, 'mermaid', 'package.json'), 'utf8'));
const entry = join(modules, 'mermaid', manifest.exports['.'].import);
const { default: mermaid } = await import(pathToFileURL(entry).href);

// The text a label shows: Mermaid's entity codes (#quot;, #35;) decoded as its renderer does,
// the result read as HTML (so unescaped markup would show up as missing text), <br> as a newline.
function shown(text) {
  const html = (text ?? '').replace(/ﬂ°°/g, '&#').replace(/ﬂ°/g, '&').replace(/¶ß/g, ';');
  const element = document.createElement('div');
  element.innerHTML = html;
  for (const br of element.querySelectorAll('br')) br.replaceWith('\n');
  return element.textContent;
}

const text = readFileSync(0, 'utf8');
try {
  const { diagramType } = await mermaid.parse(text);
  const result = { diagramType };
  if (diagramType.startsWith('flowchart')) {
    const { db } = await mermaid.mermaidAPI.getDiagramFromText(text);
    const { nodes, edges } = db.getData();
    result.nodes = nodes.map((n) => ({
      id: n.id, label: shown(n.label), isGroup: n.isGroup, parent: n.parentId ?? null,
      classes: n.cssClasses ?? '', styles: n.cssStyles ?? [],
    }));
    result.links = edges.map((e) => ({
      start: e.start, end: e.end, label: shown(e.label), pattern: e.pattern, style: e.style ?? [],
    }));
  }
  process.stdout.write(JSON.stringify(result) + '\n');
} catch (error) {
  process.stderr.write(`mermaid parse error: ${error?.message ?? error}\n`);
  process.exit(1);
}

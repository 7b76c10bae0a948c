/**
 * A strict, small XML reader for checking generated SVG structurally in tests: it rejects what a
 * browser's XML parser rejects (unbalanced or misnested tags, unquoted or repeated attributes, a
 * bare `&` or `<`, text or a second element outside the root) and returns the element tree.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][\w.:-]*/;
const ENTITY = /^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/;

export function parseXml(source: string): XmlElement {
  let position = 0;
  const fail = (message: string): never => {
    const line = source.slice(0, position).split('\n').length;
    throw new Error(`XML error at line ${line}: ${message}`);
  };
  const skipMisc = (): void => {
    for (;;) {
      const rest = source.slice(position);
      const space = /^\s+/.exec(rest);
      if (space) position += space[0].length;
      else if (rest.startsWith('<?')) position = source.indexOf('?>', position) + 2 || fail('unterminated <?');
      else if (rest.startsWith('<!--')) position = source.indexOf('-->', position) + 3 || fail('unterminated comment');
      else return;
    }
  };
  const decodeText = (raw: string): string => {
    let out = '';
    for (let i = 0; i < raw.length; i += 1) {
      const char = raw[i];
      if (char === '<') fail('bare < in text');
      if (char === '&') {
        const entity = ENTITY.exec(raw.slice(i));
        if (!entity) fail(`bare & in "${raw.slice(i, i + 12)}"`);
        out += decodeEntity(entity?.[1] ?? '');
        i += (entity?.[0].length ?? 1) - 1;
      } else out += char;
    }
    return out;
  };
  const element = (): XmlElement => {
    if (source[position] !== '<') fail('expected <');
    position += 1;
    const name = NAME.exec(source.slice(position))?.[0] ?? fail('expected an element name');
    position += name.length;
    const node: XmlElement = { name, attributes: {}, children: [], text: '' };
    for (;;) {
      const space = /^\s*/.exec(source.slice(position))?.[0] ?? '';
      position += space.length;
      if (source.startsWith('/>', position)) {
        position += 2;
        return node;
      }
      if (source[position] === '>') {
        position += 1;
        break;
      }
      if (space === '') fail(`expected whitespace before an attribute of <${name}>`);
      const attribute = NAME.exec(source.slice(position))?.[0] ?? fail(`bad attribute in <${name}>`);
      position += attribute.length;
      const value = /^\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(source.slice(position)) ?? fail(`attribute ${attribute} of <${name}> is not quoted`);
      if (attribute in node.attributes) fail(`attribute ${attribute} repeated in <${name}>`);
      node.attributes[attribute] = decodeText(value[2] ?? value[3] ?? '');
      position += value[0].length;
    }
    for (;;) {
      const next = source.indexOf('<', position);
      if (next < 0) fail(`<${name}> is never closed`);
      node.text += decodeText(source.slice(position, next));
      position = next;
      if (source.startsWith('<!--', position)) {
        position = source.indexOf('-->', position) + 3 || fail('unterminated comment');
      } else if (source.startsWith('</', position)) {
        const close = /^<\/([A-Za-z_][\w.:-]*)\s*>/.exec(source.slice(position)) ?? fail('bad closing tag');
        if (close[1] !== name) fail(`</${close[1]}> closes <${name}>`);
        position += close[0].length;
        return node;
      } else {
        node.children.push(element());
      }
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (position !== source.length) fail('content after the root element');
  return root;
}

/** Every element of the tree, depth first. */
export function allElements(root: XmlElement): XmlElement[] {
  return [root, ...root.children.flatMap(allElements)];
}

function decodeEntity(name: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  if (name in named) return named[name] ?? '';
  return String.fromCodePoint(name.startsWith('#x') ? parseInt(name.slice(2), 16) : Number(name.slice(1)));
}

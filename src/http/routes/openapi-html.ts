// Renders an OpenAPI 3.1 document as one self-contained HTML page: operations grouped by tag with
// their parameters, bodies and responses, then every named schema. No scripts, no external assets.

type Schema = Record<string, unknown>;

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string; schema?: Schema }>;
  requestBody?: { description?: string; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema>; securitySchemes?: Record<string, unknown> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const escapeHtml = (text: unknown): string =>
  String(text ?? '').replace(
    /[&<>"']/g,
    (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] ?? character,
  );

const anchor = (text: string): string => text.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** A one-line type expression: `string (uuid) | null`, `array<Contact>`, `"a" | "b"`. */
function typeOf(schema: Schema | undefined, depth = 0): string {
  if (!schema || Object.keys(schema).length === 0) return 'any';
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').pop() ?? schema.$ref;
    return `<a href="#schema-${anchor(name)}">${escapeHtml(name)}</a>`;
  }
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alternatives) return alternatives.map((alternative) => typeOf(alternative, depth)).join(' | ');
  if (Array.isArray(schema.enum))
    return schema.enum.map((value) => `<code>${escapeHtml(JSON.stringify(value))}</code>`).join(' | ');
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : schema.type ? [String(schema.type)] : [];
  const rendered = types.map((type) => {
    if (type === 'array') return `array&lt;${typeOf(schema.items as Schema | undefined, depth + 1)}&gt;`;
    if (type === 'object' && schema.properties && depth < 2) return `object ${propertiesInline(schema, depth + 1)}`;
    return schema.format ? `${type} (${escapeHtml(schema.format)})` : type;
  });
  return rendered.join(' | ') || 'any';
}

function propertiesInline(schema: Schema, depth: number): string {
  const properties = schema.properties as Record<string, Schema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const fields = Object.entries(properties).map(
    ([name, property]) => `${escapeHtml(name)}${required.has(name) ? '' : '?'}: ${typeOf(property, depth)}`,
  );
  return `{ ${fields.join(', ')} }`;
}

function constraints(schema: Schema): string {
  const notes: string[] = [];
  for (const [key, label] of [
    ['minLength', 'min length'],
    ['maxLength', 'max length'],
    ['minimum', 'min'],
    ['maximum', 'max'],
    ['minItems', 'min items'],
    ['maxItems', 'max items'],
    ['default', 'default'],
  ] as const) {
    if (schema[key] !== undefined) notes.push(`${label} ${escapeHtml(JSON.stringify(schema[key]))}`);
  }
  if (schema.readOnly) notes.push('read-only');
  return notes.join(', ');
}

function propertyTable(schema: Schema): string {
  const properties = schema.properties as Record<string, Schema> | undefined;
  if (!properties) return `<p class="type">${typeOf(schema)}</p>`;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const rows = Object.entries(properties)
    .map(
      ([name, property]) =>
        `<tr><td><code>${escapeHtml(name)}</code>${required.has(name) ? ' <span class="req">required</span>' : ''}</td><td class="type">${typeOf(property)}</td><td>${escapeHtml(property.description ?? '')}${constraints(property) ? ` <span class="muted">(${constraints(property)})</span>` : ''}</td></tr>`,
    )
    .join('');
  const extra = schema.additionalProperties === false ? '<p class="muted">Other fields are refused (400).</p>' : '';
  return `<table><tr><th>field</th><th>type</th><th>notes</th></tr>${rows}</table>${extra}`;
}

function contentSchema(content: Record<string, { schema?: Schema }> | undefined): string {
  if (!content) return '';
  return Object.entries(content)
    .map(
      ([type, media]) =>
        `<div class="media"><span class="muted">${escapeHtml(type)}</span> ${typeOf(media.schema)}</div>`,
    )
    .join('');
}

function renderOperation(method: string, path: string, operation: Operation): string {
  const id = anchor(`${method}-${path}`);
  const parameters = operation.parameters?.length
    ? `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>notes</th></tr>${operation.parameters
        .map(
          (parameter) =>
            `<tr><td><code>${escapeHtml(parameter.name)}</code>${parameter.required ? ' <span class="req">required</span>' : ''}</td><td>${escapeHtml(parameter.in)}</td><td class="type">${typeOf(parameter.schema)}</td><td>${escapeHtml(parameter.description ?? (parameter.schema?.description as string | undefined) ?? '')}</td></tr>`,
        )
        .join('')}</table>`
    : '';
  const body = operation.requestBody ? `<h4>Request body</h4>${contentSchema(operation.requestBody.content)}` : '';
  const responses = Object.entries(operation.responses ?? {})
    .map(
      ([status, response]) =>
        `<tr><td><code>${escapeHtml(status)}</code></td><td>${escapeHtml(response.description ?? '')}</td><td>${contentSchema(response.content)}</td></tr>`,
    )
    .join('');
  const secured = operation.security?.length
    ? '<span class="lock" title="Authorization: Bearer access token">bearer</span>'
    : '';
  return `<section class="op" id="${id}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code> ${secured}</h3>
${operation.summary ? `<p>${escapeHtml(operation.summary)}</p>` : ''}${operation.description ? `<p class="muted">${escapeHtml(operation.description)}</p>` : ''}
${parameters}${body}<h4>Responses</h4><table><tr><th>status</th><th>meaning</th><th>body</th></tr>${responses}</table>
</section>`;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:0;display:flex;color:#1d1d1f}
nav{width:280px;flex:none;height:100vh;overflow:auto;position:sticky;top:0;background:#f5f5f7;padding:1rem;box-sizing:border-box;font-size:13px}
nav a{display:block;color:#333;text-decoration:none;padding:1px 0}nav h2{font-size:13px;margin:1rem 0 .25rem;text-transform:uppercase;color:#666}
main{padding:1rem 2rem;max-width:1100px;min-width:0}table{border-collapse:collapse;width:100%;margin:.25rem 0 1rem}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}th{background:#fafafa}
.op{border-top:1px solid #ddd;padding-top:.5rem;margin-top:1.5rem}.method{font-weight:700;padding:2px 6px;border-radius:4px;color:#fff;font-size:12px}
.get{background:#2a7}.post{background:#27c}.put{background:#c72}.patch{background:#a5c}.delete{background:#c33}
.req{color:#c33;font-size:11px}.muted{color:#666}.type{font-family:ui-monospace,monospace;font-size:13px}.lock{font-size:11px;border:1px solid #999;border-radius:3px;padding:0 4px;color:#555}
code{font-family:ui-monospace,monospace}`;

export function renderReference(document: OpenApiDocument): string {
  const byTag = new Map<string, Array<[string, string, Operation]>>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const tag = operation.tags?.[0] ?? 'other';
      const list = byTag.get(tag) ?? [];
      list.push([method, path, operation]);
      byTag.set(tag, list);
    }
  }
  const schemas = Object.entries(document.components?.schemas ?? {});
  const nav = [...byTag]
    .map(
      ([tag, operations]) =>
        `<h2>${escapeHtml(tag)}</h2>${operations.map(([method, path]) => `<a href="#${anchor(`${method}-${path}`)}">${method.toUpperCase()} ${escapeHtml(path)}</a>`).join('')}`,
    )
    .join('');
  const sections = [...byTag]
    .map(
      ([tag, operations]) =>
        `<h2 id="tag-${anchor(tag)}">${escapeHtml(tag)}</h2>${operations.map(([method, path, operation]) => renderOperation(method, path, operation)).join('')}`,
    )
    .join('');
  const schemaSections = schemas
    .map(
      ([name, schema]) =>
        `<section id="schema-${anchor(name)}"><h3>${escapeHtml(name)}</h3>${schema.description ? `<p class="muted">${escapeHtml(schema.description)}</p>` : ''}${propertyTable(schema)}</section>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(document.info.title)} — reference</title><style>${STYLE}</style></head>
<body><nav><strong>${escapeHtml(document.info.title)}</strong> <span class="muted">${escapeHtml(document.info.version)}</span>
<a href="/openapi.json">openapi.json</a>${nav}<h2>schemas</h2>${schemas.map(([name]) => `<a href="#schema-${anchor(name)}">${escapeHtml(name)}</a>`).join('')}</nav>
<main><h1>${escapeHtml(document.info.title)}</h1><p>${escapeHtml(document.info.description ?? '')}</p>
<p class="muted">OpenAPI ${escapeHtml(document.openapi)} · JSON bodies, snake_case fields · errors: <code>{error:{code,message,details?},meta:{timestamp,request_id}}</code></p>
${sections}<h2 id="schemas">Schemas</h2>${schemaSections}</main></body></html>`;
}

// Compiles the `stripe` npm package's TypeScript definitions into JSON Schemas
// (draft 2020-12) for the objects and events the offline Stripe fake serves.
//
//   cd tools/stripe_schemas && npm ci && npm run generate
//
// Output: ../../tests/payments/stripe_schemas/<kind>.json and VERSION.
// The TypeScript compiler's type checker resolves every type (aliases,
// `extends`, Partial<>, generics); this script only maps the resolved types
// to JSON Schema with these rules:
//   - a property without `?` is required; `| null` allows null; `?` (absent)
//     never allows null by itself;
//   - every object has `additionalProperties: false`, except index-signature
//     types (`metadata: {[name: string]: string}`), whose values are checked;
//   - `'a' | 'b' | OtherString` is an open enum (any string), as the SDK says;
//   - `string | Stripe.Customer` (an expandable field) accepts the id; the
//     expanded alternative is the full schema when the resource is one of
//     FULL below, otherwise a stub that checks `id` and the `object` tag;
//   - `Decimal` fields are decimal strings on the wire;
//   - the SDK-only members of StripeRawError (statusCode, headers, ...) are
//     dropped: they are not in the HTTP body.
// Output is deterministic (sorted keys, no timestamps) so a regeneration with
// the same pinned packages gives byte-identical files.

import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';
import ts from 'typescript';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const stripeDir = path.join(here, 'node_modules', 'stripe');
const stripePkg = JSON.parse(fs.readFileSync(path.join(stripeDir, 'package.json'), 'utf8'));
const esm = path.join(stripeDir, 'esm');
const resourcesDir = path.join(esm, 'resources');
const outDir = path.resolve(here, '..', '..', 'tests', 'payments', 'stripe_schemas');

const apiVersionSource = fs.readFileSync(path.join(esm, 'apiVersion.js'), 'utf8');
const apiVersion = /ApiVersion = '([^']+)'/.exec(apiVersionSource)[1];

// kind (Stripe's `object` value, file name) -> [module under esm/resources, exported type]
const KINDS = {
  'checkout.session': ['Checkout/Sessions', 'Session'],
  'payment_intent': ['PaymentIntents', 'PaymentIntent'],
  'charge': ['Charges', 'Charge'],
  'refund': ['Refunds', 'Refund'],
  'customer': ['Customers', 'Customer'],
  'subscription': ['Subscriptions', 'Subscription'],
  'subscription_item': ['SubscriptionItems', 'SubscriptionItem'],
  'plan': ['Plans', 'Plan'],
  'invoice': ['Invoices', 'Invoice'],
  'invoice_payment': ['InvoicePayments', 'InvoicePayment'],
  'line_item': ['InvoiceLineItems', 'InvoiceLineItem'],
  'billing_portal.session': ['BillingPortal/Sessions', 'Session'],
  'price': ['Prices', 'Price'],
  'product': ['Products', 'Product'],
  'dispute': ['Disputes', 'Dispute'],
};
// Resources whose expanded form is checked in full wherever it appears.
const FULL = new Set(Object.values(KINDS).map(([mod, name]) => defName(mod, name)));
// Members of StripeRawError that the SDK adds client-side; not part of the wire body.
const SDK_ONLY_ERROR_FIELDS = new Set(['headers', 'statusCode', 'requestId', 'detail', 'exception']);

function defName(mod, name) {
  const ns = path.dirname(mod);
  return ns === '.' ? name : `${ns.split('/').join('.')}.${name}`;
}

// ---- compile ------------------------------------------------------------------------
const entryPath = path.join(here, '__entry__.ts');
const entryLines = [];
Object.entries(KINDS).forEach(([kind, [mod, name]], i) => {
  entryLines.push(`import type {${name} as K${i}} from './node_modules/stripe/esm/resources/${mod}.js';`);
  entryLines.push(`export type Kind${i} = K${i}; // ${kind}`);
});
entryLines.push(`import type {Event as AnyEvent} from './node_modules/stripe/esm/resources/Events.js';`);
entryLines.push(`export type AllEvents = AnyEvent;`);
entryLines.push(`import type {StripeRawError as RawErr} from './node_modules/stripe/esm/Types.js';`);
entryLines.push(`export type RawError = RawErr;`);
const entrySource = entryLines.join('\n') + '\n';

const options = {
  strict: true, // strictNullChecks: keeps `| null` in the types
  noEmit: true,
  skipLibCheck: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  types: [],
};
const host = ts.createCompilerHost(options);
const baseGetSourceFile = host.getSourceFile.bind(host);
host.getSourceFile = (fileName, languageVersion, ...rest) =>
  path.resolve(fileName) === entryPath
    ? ts.createSourceFile(fileName, entrySource, languageVersion, true)
    : baseGetSourceFile(fileName, languageVersion, ...rest);
const baseFileExists = host.fileExists.bind(host);
host.fileExists = (f) => path.resolve(f) === entryPath || baseFileExists(f);
const baseReadFile = host.readFile.bind(host);
host.readFile = (f) => (path.resolve(f) === entryPath ? entrySource : baseReadFile(f));

const program = ts.createProgram([entryPath], options, host);
const checker = program.getTypeChecker();
const entry = program.getSourceFile(entryPath);
const entrySymbol = checker.getSymbolAtLocation(entry);
const exported = Object.fromEntries(
  checker.getExportsOfModule(entrySymbol).map((s) => [s.getName(), checker.getDeclaredTypeOfSymbol(s)]),
);

// ---- naming -----------------------------------------------------------------------
function symbolFile(symbol) {
  const decl = symbol?.declarations?.[0];
  return decl ? decl.getSourceFile().fileName : '';
}

// `Refund.DestinationDetails`, `Checkout.Session.CustomerDetails`, `ApiList<Refund>`
function nameOf(type) {
  const symbol = type.aliasSymbol ?? type.getSymbol();
  if (!symbol || symbol.getName() === '__type' || symbol.getName() === '__object') return null;
  const file = symbolFile(symbol);
  if (type.aliasSymbol?.getName() === 'Partial' && type.aliasTypeArguments?.length === 1) {
    const inner = nameOf(type.aliasTypeArguments[0]);
    return inner ? `Partial<${inner}>` : null;
  }
  if (!file.startsWith(stripeDir)) return null;
  let qualified = checker.getFullyQualifiedName(symbol).replace(/^"[^"]*"\./, '');
  const rel = path.relative(resourcesDir, file);
  if (!rel.startsWith('..')) {
    const ns = path.dirname(rel);
    if (ns !== '.') qualified = `${ns.split(path.sep).join('.')}.${qualified}`;
  }
  const args = type.aliasSymbol
    ? type.aliasTypeArguments
    : type.objectFlags & ts.ObjectFlags.Reference
      ? checker.getTypeArguments(type)
      : undefined;
  if (args && args.length) qualified += `<${args.map((a) => nameOf(a) ?? checker.typeToString(a)).join(',')}>`;
  return qualified;
}

function isDecimal(type) {
  const symbol = type.aliasSymbol ?? type.getSymbol();
  return !!symbol && /Decimal/.test(symbol.getName()) && symbolFile(symbol).endsWith('Decimal.d.ts');
}

// A top-level API resource: a named interface with `id` and a literal `object` tag.
function resourceTag(type) {
  if (!(type.flags & ts.TypeFlags.Object)) return null;
  const objectProp = type.getProperty('object');
  if (!objectProp || !type.getProperty('id')) return null;
  const t = checker.getTypeOfSymbol(objectProp);
  return t.isStringLiteral() ? t.value : null;
}

// ---- type -> schema ---------------------------------------------------------------
const defs = new Map(); // name -> schema (null while being built: recursion)

function ref(name) {
  return {$ref: `#/$defs/${name}`};
}

function stub(type) {
  const name = `Expanded.${nameOf(type) ?? 'Unknown'}`;
  if (!defs.has(name)) {
    defs.set(name, {
      type: 'object',
      description: `An expanded ${nameOf(type)}; only its id and object tag are checked.`,
      required: ['id', 'object'],
      properties: {id: {type: 'string'}, object: {const: resourceTag(type)}},
    });
  }
  return ref(name);
}

function schemaOf(type) {
  const f = type.flags;
  if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {};
  if (f & ts.TypeFlags.Never) return false;
  if (f & ts.TypeFlags.Null) return {type: 'null'};
  if (f & ts.TypeFlags.String) return {type: 'string'};
  if (f & ts.TypeFlags.Number) return {type: 'number'};
  if (f & ts.TypeFlags.BigInt) return {type: 'integer'};
  if (f & ts.TypeFlags.Boolean) return {type: 'boolean'};
  if (f & ts.TypeFlags.StringLiteral) return {const: type.value};
  if (f & ts.TypeFlags.NumberLiteral) return {const: type.value};
  if (f & ts.TypeFlags.BooleanLiteral) return {const: checker.typeToString(type) === 'true'};
  if (isDecimal(type)) return {type: 'string', format: 'decimal'};
  if (type.isUnion()) return unionSchema(type.types);
  if (type.isIntersection()) {
    // OtherString = string & Record<never, never>
    if (type.types.some((t) => t.flags & ts.TypeFlags.String)) return {type: 'string'};
    return objectSchema(type);
  }
  if (checker.isArrayType(type)) {
    return {type: 'array', items: schemaOf(checker.getTypeArguments(type)[0])};
  }
  if (f & ts.TypeFlags.Object) return objectSchema(type);
  throw new Error(`unsupported type ${checker.typeToString(type)} (flags ${f})`);
}

function unionSchema(members) {
  members = members.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)));
  const hasString = members.some((t) => t.flags & ts.TypeFlags.String || isOtherString(t));
  const alternatives = [];
  const literals = [];
  let nullable = false;
  const bools = new Set();
  for (const t of members) {
    if (t.flags & ts.TypeFlags.Null) nullable = true;
    else if (t.flags & ts.TypeFlags.BooleanLiteral) bools.add(checker.typeToString(t));
    else if (t.flags & ts.TypeFlags.StringLiteral) {
      if (!hasString) literals.push(t.value);
    } else if (t.flags & ts.TypeFlags.NumberLiteral) literals.push(t.value);
    else if (t.flags & ts.TypeFlags.String || isOtherString(t)) alternatives.push({type: 'string'});
    else if (hasString && resourceTag(t) && !FULL.has(nameOf(t)) && !nameOf(t).startsWith('Deleted')) {
      alternatives.push(stub(t));
    }
    else alternatives.push(schemaOf(t));
  }
  if (bools.size === 2) alternatives.push({type: 'boolean'});
  else for (const b of bools) alternatives.push({const: b === 'true'});
  if (literals.length) alternatives.push(literals.length === 1 ? {const: literals[0]} : {enum: literals});
  if (nullable) alternatives.push({type: 'null'});
  const unique = [];
  const seen = new Set();
  for (const a of alternatives) {
    const key = JSON.stringify(a);
    if (!seen.has(key)) {
      seen.add(key);
      unique.push(a);
    }
  }
  if (unique.length === 1) return unique[0];
  // Simple type alternatives collapse into `type: [...]`.
  if (unique.every((a) => Object.keys(a).length === 1 && typeof a.type === 'string')) {
    return {type: unique.map((a) => a.type)};
  }
  return {anyOf: unique};
}

function isOtherString(t) {
  return t.isIntersection() && t.types.some((m) => m.flags & ts.TypeFlags.String);
}

function objectSchema(type) {
  const name = nameOf(type);
  if (name && name.startsWith('Partial<')) {
    // previous_attributes: any subset of the resource's properties, each with its schema.
    const inner = type.aliasTypeArguments[0];
    const innerName = nameOf(inner);
    if (!defs.has(name)) {
      objectSchema(inner);
      const properties = {};
      for (const prop of checker.getPropertiesOfType(inner)) {
        properties[prop.getName()] = ref(`${innerName}/properties/${prop.getName()}`);
      }
      defs.set(name, {type: 'object', properties, additionalProperties: false});
    }
    return ref(name);
  }
  if (name) {
    if (!defs.has(name)) {
      defs.set(name, null);
      defs.set(name, buildObject(type, name));
    }
    return ref(name);
  }
  return buildObject(type, null);
}

function buildObject(type, name) {
  const properties = {};
  const required = [];
  for (const prop of checker.getPropertiesOfType(type)) {
    const propName = prop.getName();
    if (name === 'StripeRawError' && SDK_ONLY_ERROR_FIELDS.has(propName)) continue;
    const decl = prop.valueDeclaration ?? prop.declarations?.[0];
    const propType = decl ? checker.getTypeOfSymbolAtLocation(prop, decl) : checker.getTypeOfSymbol(prop);
    if (propType.getCallSignatures().length) continue; // methods are not data
    properties[propName] = schemaOf(propType);
    if (!(prop.flags & ts.SymbolFlags.Optional)) required.push(propName);
  }
  const schema = {type: 'object'};
  if (Object.keys(properties).length) schema.properties = properties;
  if (required.length) schema.required = required.sort();
  const index = checker.getIndexInfosOfType(type).find((i) => i.keyType.flags & ts.TypeFlags.String);
  schema.additionalProperties = index ? schemaOf(index.type) : false;
  return schema;
}

// ---- kinds ------------------------------------------------------------------------
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys(value[k])]),
    );
  }
  return value;
}

const BASE = `https://stripe-schemas.invalid/stripe-${stripePkg.version}/`;
const DESCRIPTION =
  `Generated by tools/stripe_schemas/generate.mjs from the TypeScript types of the stripe npm ` +
  `package ${stripePkg.version} (API version ${apiVersion}). Do not edit; regenerate.`;

function write(file, schema) {
  const body = {$schema: 'https://json-schema.org/draft/2020-12/schema', $id: BASE + file, ...schema};
  fs.writeFileSync(path.join(outDir, file), JSON.stringify(sortKeys(body), null, 1) + '\n');
}

fs.mkdirSync(outDir, {recursive: true});
for (const f of fs.readdirSync(outDir)) if (f.endsWith('.json')) fs.rmSync(path.join(outDir, f));

const kinds = {};
Object.entries(KINDS).forEach(([kind, [mod, name]], i) => {
  const type = exported[`Kind${i}`];
  if (resourceTag(type) !== kind) throw new Error(`${mod}.${name}: object tag ${resourceTag(type)}, expected ${kind}`);
  kinds[kind] = {title: `Stripe ${defName(mod, name)} (object: "${kind}")`, root: schemaOf(type)};
});

// Events: every event type whose data.object is one of KINDS, dispatched on `type`.
const kindTags = new Set(Object.keys(KINDS));
const eventBranches = [];
for (const member of exported.AllEvents.types) {
  const typeProp = checker.getTypeOfSymbol(member.getProperty('type'));
  const dataType = checker.getTypeOfSymbol(member.getProperty('data'));
  const tag = resourceTag(checker.getTypeOfSymbol(dataType.getProperty('object')));
  if (!tag || !kindTags.has(tag)) continue;
  eventBranches.push({
    if: {properties: {type: {const: typeProp.value}}, required: ['type']},
    then: schemaOf(member),
  });
}
eventBranches.sort((a, b) => a.if.properties.type.const.localeCompare(b.if.properties.type.const));
const eventTypes = eventBranches.map((b) => b.if.properties.type.const);
defs.set('CoveredEvent', {
  type: 'object',
  required: ['type'],
  properties: {type: {enum: eventTypes}},
  allOf: eventBranches,
});
kinds.event = {title: 'Stripe Event whose data.object is one of the covered kinds', root: ref('CoveredEvent')};

// Error body: {"error": StripeRawError minus the SDK-only members}.
defs.set('ErrorBody', {
  type: 'object',
  required: ['error'],
  properties: {error: schemaOf(exported.RawError)},
  additionalProperties: false,
});
kinds.error = {title: 'Stripe error response body', root: ref('ErrorBody')};

write('definitions.json', {
  title: `Stripe object definitions, stripe npm ${stripePkg.version}, API ${apiVersion}`,
  description: DESCRIPTION,
  $defs: Object.fromEntries(defs),
});
for (const [kind, {title, root}] of Object.entries(kinds)) {
  write(`${kind}.json`, {title, description: DESCRIPTION, $ref: `definitions.json${root.$ref}`});
}

fs.writeFileSync(
  path.join(outDir, 'VERSION'),
  `stripe-npm ${stripePkg.version}\napi-version ${apiVersion}\ntypescript ${require('typescript/package.json').version}\n`,
);
console.log(`stripe ${stripePkg.version}, API version ${apiVersion} -> ${path.relative(process.cwd(), outDir)}`);
console.log(`  ${Object.keys(kinds).length} kinds, ${eventTypes.length} event types, ${defs.size} definitions`);

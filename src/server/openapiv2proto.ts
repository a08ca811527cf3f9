/**
 * The gnostic protobuf form of /openapi/v2 (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`):
 * the Swagger 2.0 JSON document encoded as `openapi.v2.Document` from
 * schemas/proto/openapiv2/OpenAPIv2.proto, the message kube-apiserver sends (kube-openapi's
 * `ToProtoBinary` parses its JSON with gnostic and marshals the result).
 *
 * The mapping follows gnostic's compiler: maps become repeated `Named*` pairs in document order,
 * one-of wrappers pick the variant the JSON shape implies, and every value gnostic cannot type
 * (`default`, `example`, `enum` members, `x-*` vendor extensions) is an `Any` holding only its
 * `yaml` text. That text is the value's JSON, which is YAML too: gnostic re-emits a JSON input
 * node in the same flow, double-quoted style, and clients (kube-openapi's proto parser) read it
 * back with a YAML decoder.
 *
 * OpenAPIv2.proto imports google/protobuf/any.proto, which is not vendored: protobufjs resolves
 * it from the copy of the well-known types it bundles (`protobufjs/src/common.js`).
 */
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import type { JsonObject, SwaggerDocument } from './openapiv2convert';

/** OPENAPI_V2_PROTO is the vendored gnostic schema, relative to the repository root. */
const OPENAPI_V2_PROTO = path.join('schemas', 'proto', 'openapiv2', 'OpenAPIv2.proto');

let documentType: protobuf.Type | undefined;

/** gnosticDocumentType loads `openapi.v2.Document` once, keeping the .proto's field names. */
export function gnosticDocumentType(repositoryRoot: string): protobuf.Type {
  if (!documentType) {
    const root = new protobuf.Root().loadSync(path.join(repositoryRoot, OPENAPI_V2_PROTO), { keepCase: true });
    documentType = root.lookupType('openapi.v2.Document');
  }
  return documentType;
}

/** encodeGnosticDocument encodes a Swagger 2.0 document as gnostic's `openapi.v2.Document`. */
export function encodeGnosticDocument(doc: SwaggerDocument, repositoryRoot: string): Buffer {
  const type = gnosticDocumentType(repositoryRoot);
  const bytes = type.encode(documentMessage(doc as unknown as JsonObject)).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

type Message = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function entries(v: unknown): [string, unknown][] {
  return isObject(v) ? Object.entries(v) : [];
}

/** any is gnostic's `Any`: a value it keeps as YAML text. */
function any(v: unknown): Message {
  return { yaml: `${JSON.stringify(v)}\n` };
}

function vendorExtensions(o: JsonObject): Message[] {
  return Object.entries(o)
    .filter(([k]) => k.startsWith('x-'))
    .map(([name, value]) => ({ name, value: any(value) }));
}

/**
 * copyFields copies the listed JSON keys to their snake_case proto names, wrapping `Any`
 * fields; only keys present in the JSON are set, so absent and empty stay distinguishable.
 */
function copyFields(o: JsonObject, m: Message, fields: Readonly<Record<string, string>>): void {
  for (const [json, proto] of Object.entries(fields)) {
    if (!(json in o)) continue;
    const v = o[json];
    if (proto === 'default' || proto === 'example') m[proto] = any(v);
    else if (proto === 'enum') m.enum = Array.isArray(v) ? v.map(any) : [];
    else m[proto] = v;
  }
}

function externalDocs(o: unknown): Message | undefined {
  if (!isObject(o)) return undefined;
  const m: Message = {};
  copyFields(o, m, { description: 'description', url: 'url' });
  m.vendor_extension = vendorExtensions(o);
  return m;
}

function documentMessage(doc: JsonObject): Message {
  const m: Message = {};
  copyFields(doc, m, { swagger: 'swagger', host: 'host', basePath: 'base_path', schemes: 'schemes', consumes: 'consumes', produces: 'produces' });
  if (isObject(doc.info)) m.info = infoMessage(doc.info);
  if (isObject(doc.paths)) {
    m.paths = {
      vendor_extension: vendorExtensions(doc.paths),
      path: entries(doc.paths)
        .filter(([k]) => !k.startsWith('x-'))
        .map(([name, item]) => ({ name, value: pathItem(item as JsonObject) })),
    };
  }
  if (isObject(doc.definitions)) m.definitions = { additional_properties: namedSchemas(doc.definitions) };
  if (isObject(doc.parameters)) {
    m.parameters = { additional_properties: entries(doc.parameters).map(([name, p]) => ({ name, value: parameter(p as JsonObject) })) };
  }
  if (isObject(doc.responses)) {
    m.responses = { additional_properties: entries(doc.responses).map(([name, r]) => ({ name, value: response(r as JsonObject) })) };
  }
  if (Array.isArray(doc.security)) m.security = doc.security.map(securityRequirement);
  if (isObject(doc.securityDefinitions)) {
    m.security_definitions = {
      additional_properties: entries(doc.securityDefinitions).map(([name, s]) => ({ name, value: securityDefinition(s as JsonObject) })),
    };
  }
  if (Array.isArray(doc.tags)) {
    m.tags = (doc.tags as JsonObject[]).map((t) => {
      const tag: Message = {};
      copyFields(t, tag, { name: 'name', description: 'description' });
      if (t.externalDocs) tag.external_docs = externalDocs(t.externalDocs);
      tag.vendor_extension = vendorExtensions(t);
      return tag;
    });
  }
  if (doc.externalDocs) m.external_docs = externalDocs(doc.externalDocs);
  m.vendor_extension = vendorExtensions(doc);
  return m;
}

function infoMessage(info: JsonObject): Message {
  const m: Message = {};
  copyFields(info, m, { title: 'title', version: 'version', description: 'description', termsOfService: 'terms_of_service' });
  for (const key of ['contact', 'license'] as const) {
    const o = info[key];
    if (!isObject(o)) continue;
    const sub: Message = {};
    copyFields(o, sub, { name: 'name', url: 'url', email: 'email' });
    sub.vendor_extension = vendorExtensions(o);
    m[key] = sub;
  }
  m.vendor_extension = vendorExtensions(info);
  return m;
}

function securityRequirement(req: unknown): Message {
  return { additional_properties: entries(req).map(([name, scopes]) => ({ name, value: { value: Array.isArray(scopes) ? scopes : [] } })) };
}

function securityDefinition(s: JsonObject): Message {
  const m: Message = {};
  copyFields(s, m, { type: 'type', name: 'name', in: 'in', description: 'description', flow: 'flow', authorizationUrl: 'authorization_url', tokenUrl: 'token_url' });
  if (isObject(s.scopes)) m.scopes = { additional_properties: entries(s.scopes).map(([name, value]) => ({ name, value })) };
  m.vendor_extension = vendorExtensions(s);
  if (s.type === 'basic') return { basic_authentication_security: m };
  if (s.type === 'apiKey') return { api_key_security: m };
  const flow = { implicit: 'oauth2_implicit_security', password: 'oauth2_password_security', application: 'oauth2_application_security', accessCode: 'oauth2_access_code_security' }[String(s.flow)];
  return { [flow ?? 'api_key_security']: m };
}

// ---------------------------------------------------------------------------------------------
// Schemas

/** SCHEMA_FIELDS maps Schema's JSON keywords to its proto fields (the `Any`-typed ones included). */
const SCHEMA_FIELDS: Readonly<Record<string, string>> = {
  $ref: '_ref',
  format: 'format',
  title: 'title',
  description: 'description',
  default: 'default',
  multipleOf: 'multiple_of',
  maximum: 'maximum',
  exclusiveMaximum: 'exclusive_maximum',
  minimum: 'minimum',
  exclusiveMinimum: 'exclusive_minimum',
  maxLength: 'max_length',
  minLength: 'min_length',
  pattern: 'pattern',
  maxItems: 'max_items',
  minItems: 'min_items',
  uniqueItems: 'unique_items',
  maxProperties: 'max_properties',
  minProperties: 'min_properties',
  required: 'required',
  enum: 'enum',
  discriminator: 'discriminator',
  readOnly: 'read_only',
  example: 'example',
};

/** fileSchema is a response schema of `type: file`, whose `type` is a plain string in FileSchema. */
function fileSchema(s: JsonObject): Message {
  const m: Message = {};
  copyFields(s, m, { format: 'format', title: 'title', description: 'description', default: 'default', required: 'required', type: 'type', readOnly: 'read_only', example: 'example' });
  if (s.externalDocs) m.external_docs = externalDocs(s.externalDocs);
  m.vendor_extension = vendorExtensions(s);
  return m;
}

function namedSchemas(o: JsonObject): Message[] {
  return Object.entries(o).map(([name, s]) => ({ name, value: schema(s) }));
}

function schema(s: unknown): Message {
  if (!isObject(s)) return {};
  const m: Message = {};
  copyFields(s, m, SCHEMA_FIELDS);
  if ('additionalProperties' in s) {
    const ap = s.additionalProperties;
    m.additional_properties = typeof ap === 'boolean' ? { boolean: ap } : { schema: schema(ap) };
  }
  if (s.type !== undefined) m.type = { value: Array.isArray(s.type) ? s.type : [s.type] };
  if (s.items !== undefined) m.items = { schema: Array.isArray(s.items) ? s.items.map(schema) : [schema(s.items)] };
  if (Array.isArray(s.allOf)) m.all_of = s.allOf.map(schema);
  if (isObject(s.properties)) m.properties = { additional_properties: namedSchemas(s.properties) };
  if (isObject(s.xml)) {
    const xml: Message = {};
    copyFields(s.xml, xml, { name: 'name', namespace: 'namespace', prefix: 'prefix', attribute: 'attribute', wrapped: 'wrapped' });
    xml.vendor_extension = vendorExtensions(s.xml);
    m.xml = xml;
  }
  if (s.externalDocs) m.external_docs = externalDocs(s.externalDocs);
  m.vendor_extension = vendorExtensions(s);
  return m;
}

// ---------------------------------------------------------------------------------------------
// Paths, operations, parameters, responses

const OPERATIONS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

function pathItem(item: JsonObject): Message {
  const m: Message = {};
  if (typeof item.$ref === 'string') m._ref = item.$ref;
  for (const op of OPERATIONS) if (isObject(item[op])) m[op] = operation(item[op] as JsonObject);
  if (Array.isArray(item.parameters)) m.parameters = (item.parameters as JsonObject[]).map(parametersItem);
  m.vendor_extension = vendorExtensions(item);
  return m;
}

function operation(op: JsonObject): Message {
  const m: Message = {};
  copyFields(op, m, {
    tags: 'tags',
    summary: 'summary',
    description: 'description',
    operationId: 'operation_id',
    produces: 'produces',
    consumes: 'consumes',
    schemes: 'schemes',
    deprecated: 'deprecated',
  });
  if (op.externalDocs) m.external_docs = externalDocs(op.externalDocs);
  if (Array.isArray(op.parameters)) m.parameters = (op.parameters as JsonObject[]).map(parametersItem);
  if (isObject(op.responses)) {
    m.responses = {
      response_code: entries(op.responses)
        .filter(([code]) => !code.startsWith('x-'))
        .map(([name, r]) => ({ name, value: responseValue(r as JsonObject) })),
      vendor_extension: vendorExtensions(op.responses),
    };
  }
  if (Array.isArray(op.security)) m.security = op.security.map(securityRequirement);
  m.vendor_extension = vendorExtensions(op);
  return m;
}

function parametersItem(p: JsonObject): Message {
  if (typeof p.$ref === 'string') {
    const ref: Message = { _ref: p.$ref };
    if (typeof p.description === 'string') ref.description = p.description;
    return { json_reference: ref };
  }
  return { parameter: parameter(p) };
}

/** PRIMITIVE_FIELDS are the keywords of a non-body parameter, a header and PrimitivesItems. */
const PRIMITIVE_FIELDS: Readonly<Record<string, string>> = {
  type: 'type',
  format: 'format',
  collectionFormat: 'collection_format',
  default: 'default',
  maximum: 'maximum',
  exclusiveMaximum: 'exclusive_maximum',
  minimum: 'minimum',
  exclusiveMinimum: 'exclusive_minimum',
  maxLength: 'max_length',
  minLength: 'min_length',
  pattern: 'pattern',
  maxItems: 'max_items',
  minItems: 'min_items',
  uniqueItems: 'unique_items',
  enum: 'enum',
  multipleOf: 'multiple_of',
  description: 'description',
};

/** ITEMS_FIELDS are PrimitivesItems' keywords: a parameter's minus its description. */
const ITEMS_FIELDS: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(PRIMITIVE_FIELDS).filter(([k]) => k !== 'description'));

function primitivesItems(o: JsonObject): Message {
  const m: Message = {};
  copyFields(o, m, ITEMS_FIELDS);
  if (isObject(o.items)) m.items = primitivesItems(o.items);
  m.vendor_extension = vendorExtensions(o);
  return m;
}

/** NON_BODY_VARIANTS names NonBodyParameter's one-of member for each `in`. */
const NON_BODY_VARIANTS: Readonly<Record<string, string>> = {
  header: 'header_parameter_sub_schema',
  formData: 'form_data_parameter_sub_schema',
  query: 'query_parameter_sub_schema',
  path: 'path_parameter_sub_schema',
};

function parameter(p: JsonObject): Message {
  if (p.in === 'body') {
    const body: Message = {};
    copyFields(p, body, { description: 'description', name: 'name', in: 'in', required: 'required' });
    if (p.schema !== undefined) body.schema = schema(p.schema);
    body.vendor_extension = vendorExtensions(p);
    return { body_parameter: body };
  }
  const sub: Message = {};
  copyFields(p, sub, { required: 'required', in: 'in', name: 'name', ...PRIMITIVE_FIELDS });
  if (p.in === 'query' || p.in === 'formData') copyFields(p, sub, { allowEmptyValue: 'allow_empty_value' });
  if (isObject(p.items)) sub.items = primitivesItems(p.items);
  sub.vendor_extension = vendorExtensions(p);
  return { non_body_parameter: { [NON_BODY_VARIANTS[String(p.in)] ?? 'query_parameter_sub_schema']: sub } };
}

function responseValue(r: JsonObject): Message {
  if (typeof r.$ref === 'string') return { json_reference: { _ref: r.$ref } };
  return { response: response(r) };
}

function response(r: JsonObject): Message {
  const m: Message = {};
  copyFields(r, m, { description: 'description' });
  if (isObject(r.schema)) m.schema = r.schema.type === 'file' ? { file_schema: fileSchema(r.schema) } : { schema: schema(r.schema) };
  if (isObject(r.headers)) {
    m.headers = {
      additional_properties: entries(r.headers).map(([name, h]) => {
        const header: Message = {};
        copyFields(h as JsonObject, header, PRIMITIVE_FIELDS);
        if (isObject((h as JsonObject).items)) header.items = primitivesItems((h as JsonObject).items as JsonObject);
        header.vendor_extension = vendorExtensions(h as JsonObject);
        return { name, value: header };
      }),
    };
  }
  if (isObject(r.examples)) m.examples = { additional_properties: entries(r.examples).map(([name, v]) => ({ name, value: any(v) })) };
  m.vendor_extension = vendorExtensions(r);
  return m;
}

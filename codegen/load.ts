import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import type { CRD } from '../src/crd/types';
import type { OpenAPIDocument } from './model';

/** LoadedDocument is a vendored OpenAPI document with what provenance.yaml says of it. */
export interface LoadedDocument {
  /** file is the path relative to the repository root (used in generated headers). */
  file: string;
  release: string;
  doc: OpenAPIDocument;
}

export interface OverlayColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description?: string;
  priority?: number;
  jsonPath?: string;
}

/** Overlay is what schemas/overlay/ adds to the OpenAPI documents. */
export interface Overlay {
  names: Record<string, { shortNames?: string[]; categories?: string[] }>;
  printers: Record<string, OverlayColumn[]>;
  storageVersions: Record<string, string>;
  etcdPrefixes: Record<string, string>;
  fields: Record<string, Record<string, string>>;
  deprecations: Record<string, string>;
  /** files lists the overlay files read, relative to the repository root. */
  files: string[];
}

/** DropInCRD is a CustomResourceDefinition YAML from schemas/crds/. */
export interface DropInCRD {
  file: string;
  crd: CRD;
}

/** Inputs is everything the generator reads, loaded once. */
export interface Inputs {
  root: string;
  documents: LoadedDocument[];
  overlay: Overlay;
  crds: DropInCRD[];
}

interface Provenance {
  documents: Record<string, { release: string; skip?: string }>;
}

const KUBERNETES_DIR = 'schemas/kubernetes';
const OVERLAY_DIR = 'schemas/overlay';

function readYaml<T>(root: string, rel: string, fallback: T): T {
  const file = path.join(root, rel);
  if (!fs.existsSync(file)) return fallback;
  return (parseYaml(fs.readFileSync(file, 'utf8')) as T | null) ?? fallback;
}

/**
 * load reads every vendored OpenAPI document that provenance.yaml does not mark `skip`, and the
 * overlay. A document missing from provenance.yaml is an error: its release decides how shared
 * definitions merge, so it may not be guessed.
 */
export function load(root: string): Inputs {
  const provenance = readYaml<Provenance>(root, `${KUBERNETES_DIR}/provenance.yaml`, { documents: {} });
  const names = fs
    .readdirSync(path.join(root, KUBERNETES_DIR))
    .filter((f) => f.endsWith('.json'))
    .sort();
  const documents: LoadedDocument[] = [];
  for (const name of names) {
    const entry = provenance.documents[name];
    if (!entry) throw new Error(`${KUBERNETES_DIR}/${name}: not listed in ${KUBERNETES_DIR}/provenance.yaml`);
    if (entry.skip) continue;
    const file = `${KUBERNETES_DIR}/${name}`;
    const doc = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as OpenAPIDocument;
    documents.push({ file, release: entry.release, doc });
  }
  const storage = readYaml<{ storageVersions?: Record<string, string>; etcdPrefixes?: Record<string, string> }>(
    root,
    `${OVERLAY_DIR}/storage.yaml`,
    {},
  );
  const overlayFiles = ['names.yaml', 'printers.yaml', 'storage.yaml', 'fields.yaml', 'deprecations.yaml']
    .map((f) => `${OVERLAY_DIR}/${f}`)
    .filter((f) => fs.existsSync(path.join(root, f)));
  const overlay: Overlay = {
    names: readYaml(root, `${OVERLAY_DIR}/names.yaml`, {}),
    printers: readYaml(root, `${OVERLAY_DIR}/printers.yaml`, {}),
    storageVersions: storage.storageVersions ?? {},
    etcdPrefixes: storage.etcdPrefixes ?? {},
    fields: readYaml(root, `${OVERLAY_DIR}/fields.yaml`, {}),
    deprecations: readYaml(root, `${OVERLAY_DIR}/deprecations.yaml`, {}),
    files: overlayFiles,
  };
  return { root, documents, overlay, crds: loadCRDs(root) };
}

const CRDS_DIR = 'schemas/crds';

/**
 * loadCRDs reads every CustomResourceDefinition in schemas/crds/ (YAML, several documents per
 * file allowed). Anything else in those files is an error: a typo must not pass silently.
 */
function loadCRDs(root: string): DropInCRD[] {
  const dir = path.join(root, CRDS_DIR);
  if (!fs.existsSync(dir)) return [];
  const out: DropInCRD[] = [];
  for (const name of fs.readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()) {
    const file = `${CRDS_DIR}/${name}`;
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(root, file), 'utf8'))) {
      const value = doc.toJSON() as unknown;
      if (value === null || value === undefined) continue;
      const crd = value as CRD;
      if (crd.apiVersion !== 'apiextensions.k8s.io/v1' || crd.kind !== 'CustomResourceDefinition') {
        throw new Error(`${file}: only apiextensions.k8s.io/v1 CustomResourceDefinitions belong in ${CRDS_DIR}`);
      }
      out.push({ file, crd });
    }
  }
  return out.sort((a, b) => String(a.crd.metadata.name).localeCompare(String(b.crd.metadata.name)));
}

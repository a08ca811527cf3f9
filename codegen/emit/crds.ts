import type { Context } from '../context';
import { header, type GeneratedFile } from './output';

/**
 * emitCRDs writes generated/crds.ts: the CustomResourceDefinitions of schemas/crds/, which the
 * server keeps stored exactly as the files say (kubectl get crd lists them).
 */
export function emitCRDs(ctx: Context): GeneratedFile {
  const crds = ctx.inputs.crds.map((c) => c.crd);
  const inputs = ctx.inputs.crds.map((c) => c.file);
  return {
    path: 'generated/crds.ts',
    content:
      header('emit/crds', inputs.length ? inputs : ['schemas/crds']) +
      "import type { CRD } from '../src/crd/types';\n\n" +
      '/** dropInCRDs are the CustomResourceDefinitions of schemas/crds/, served from the first start. */\n' +
      `export const dropInCRDs: readonly CRD[] = ${JSON.stringify(crds, null, 2)};\n`,
  };
}

/** PersistentVolumes (core/v1): reclaim policy, volume mode and phase defaults. */
import { isPlainObject, type KubeObject } from '../../meta/object';
import type { StrategyOverrides } from '../strategy';

/** defaults applies upstream's SetDefaults_PersistentVolume. */
function defaults(pv: KubeObject): void {
  if (isPlainObject(pv.spec)) {
    pv.spec.persistentVolumeReclaimPolicy ??= 'Retain';
    pv.spec.volumeMode ??= 'Filesystem';
  }
  if (isPlainObject(pv.status)) pv.status.phase ??= 'Pending';
}

/** strategy is what persistentvolumes does differently from the default strategy. */
export const strategy: StrategyOverrides = { tracksGeneration: false, defaults };

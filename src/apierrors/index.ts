export * from './status';
export * from './field';

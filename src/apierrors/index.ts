export * from './status';
export * from './field';
export { goJSON, goQuote } from './govalue';

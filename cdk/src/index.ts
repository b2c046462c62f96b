export * from './domain';
export * from './provider';
export * from './properties.generated';

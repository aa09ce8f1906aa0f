export * from './cafe-address.ts'

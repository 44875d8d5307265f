/**
 * `mypos-auth/client`, kept for code written against 0.2.0: the client SDK is the package `@mypos-auth/client`
 * (packages/client), which installs without the server's dependencies. Import from there in new code.
 */
export * from '@mypos-auth/client';

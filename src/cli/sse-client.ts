/** The SSE reader now lives in the TypeScript client (clients/typescript), which the CLI uses. */
export { readSse } from '@influencer-scout/client';
export type { SseMessage } from '@influencer-scout/client';

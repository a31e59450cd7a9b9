import diagnostics_channel from 'node:diagnostics_channel';

/**
 * Timing points of the SSE fan-out, for whoever subscribes (the SSE benchmark loads a subscriber
 * into the API process to split the delivery delay into "the API wrote every stream" and "the
 * client parsed everything"). Nothing is published while no one subscribes.
 * `announced`: an event announcement reached this process's feed ({ jobId, seq });
 * `written`: a stream's socket was uncorked with event frames in it, i.e. handed to the kernel ({ jobId, seq }).
 */
export const fanOutTrace = {
  announced: diagnostics_channel.channel('scout.sse.announced'),
  written: diagnostics_channel.channel('scout.sse.written'),
};

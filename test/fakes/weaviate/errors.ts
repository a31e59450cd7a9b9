import { Status } from 'nice-grpc';

/** An error the fake answers on purpose, with the HTTP status and gRPC code Weaviate would use. */
export class FakeWeaviateError extends Error {
  constructor(
    message: string,
    readonly httpStatus = 422,
    readonly grpcCode: Status = Status.UNKNOWN,
  ) {
    super(message);
    this.name = 'FakeWeaviateError';
  }
}

export const invalid = (message: string) => new FakeWeaviateError(message, 422, Status.UNKNOWN);
export const notFound = (message: string) => new FakeWeaviateError(message, 404, Status.NOT_FOUND);

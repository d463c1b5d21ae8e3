import {
  create,
  type DescFile,
  type DescMessage,
  type DescService,
  toBinary,
} from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { Code, type ConnectRouter } from '@connectrpc/connect';
import * as v1 from '../gen/grpc/reflection/v1/reflection_pb.js';
import * as v1alpha from '../gen/grpc/reflection/v1alpha/reflection_pb.js';

type Answer =
  | { kind: 'files'; files: Uint8Array[] }
  | { kind: 'services'; names: string[] }
  | { kind: 'extensions'; base: string }
  | { kind: 'error'; code: Code; message: string };

/** What a reflection request asks, the same in v1 and v1alpha. */
type Question =
  v1.ServerReflectionRequest['messageRequest'] | v1alpha.ServerReflectionRequest['messageRequest'];

/**
 * The descriptors behind the served services: every file they need, and
 * where each fully-qualified symbol (message, enum, service, method) lives.
 */
class DescriptorIndex {
  readonly files = new Map<string, DescFile>();
  readonly symbols = new Map<string, DescFile>();

  constructor(readonly services: readonly DescService[]) {
    for (const service of services) this.addFile(service.file);
  }

  private addFile(file: DescFile): void {
    if (this.files.has(file.proto.name)) return;
    this.files.set(file.proto.name, file);
    const addMessage = (message: DescMessage) => {
      this.symbols.set(message.typeName, file);
      for (const nested of message.nestedMessages) addMessage(nested);
      for (const nested of message.nestedEnums) this.symbols.set(nested.typeName, file);
    };
    for (const message of file.messages) addMessage(message);
    for (const e of file.enums) this.symbols.set(e.typeName, file);
    for (const service of file.services) {
      this.symbols.set(service.typeName, file);
      for (const method of service.methods)
        this.symbols.set(`${service.typeName}.${method.name}`, file);
    }
    for (const dependency of file.dependencies) this.addFile(dependency);
  }

  /** The file and every file it imports, transitively, the file first. */
  withDependencies(file: DescFile): Uint8Array[] {
    const seen = new Set<string>();
    const out: Uint8Array[] = [];
    const visit = (f: DescFile) => {
      if (seen.has(f.proto.name)) return;
      seen.add(f.proto.name);
      out.push(toBinary(FileDescriptorProtoSchema, f.proto));
      for (const d of f.dependencies) visit(d);
    };
    visit(file);
    return out;
  }

  answer(question: Question): Answer {
    switch (question.case) {
      case 'listServices':
        return { kind: 'services', names: this.services.map((s) => s.typeName) };
      case 'fileByFilename': {
        const file = this.files.get(question.value);
        return file
          ? { kind: 'files', files: this.withDependencies(file) }
          : { kind: 'error', code: Code.NotFound, message: `no file ${question.value}` };
      }
      case 'fileContainingSymbol': {
        const file = this.symbols.get(question.value.replace(/^\./, ''));
        return file
          ? { kind: 'files', files: this.withDependencies(file) }
          : { kind: 'error', code: Code.NotFound, message: `no symbol ${question.value}` };
      }
      case 'allExtensionNumbersOfType':
        return { kind: 'extensions', base: question.value };
      case 'fileContainingExtension':
        return { kind: 'error', code: Code.NotFound, message: 'no extensions are served' };
      default:
        return { kind: 'error', code: Code.InvalidArgument, message: 'unknown request' };
    }
  }
}

function response(answer: Answer) {
  switch (answer.kind) {
    case 'files':
      return {
        case: 'fileDescriptorResponse' as const,
        value: { fileDescriptorProto: answer.files },
      };
    case 'services':
      return {
        case: 'listServicesResponse' as const,
        value: { service: answer.names.map((name) => ({ name })) },
      };
    case 'extensions':
      return {
        case: 'allExtensionNumbersResponse' as const,
        value: { baseTypeName: answer.base, extensionNumber: [] },
      };
    case 'error':
      return {
        case: 'errorResponse' as const,
        value: { errorCode: answer.code, errorMessage: answer.message },
      };
  }
}

/**
 * gRPC server reflection, v1 and v1alpha (what grpcurl, Postman and
 * grpc-js's tools ask first): the served services and their descriptors.
 */
export function reflectionService(router: ConnectRouter, services: readonly DescService[]): void {
  const index = new DescriptorIndex([...services, v1.ServerReflection, v1alpha.ServerReflection]);
  router.service(v1.ServerReflection, {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        yield create(v1.ServerReflectionResponseSchema, {
          validHost: req.host,
          originalRequest: req,
          messageResponse: response(index.answer(req.messageRequest)),
        });
      }
    },
  });
  router.service(v1alpha.ServerReflection, {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        yield create(v1alpha.ServerReflectionResponseSchema, {
          validHost: req.host,
          originalRequest: req,
          messageResponse: response(index.answer(req.messageRequest)),
        });
      }
    },
  });
}

// The part of the `smpp` package (SMPP 3.4 client and server) the project uses; the package ships no types.
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer } from 'node:net';

  export interface ShortMessage {
    message: string | Buffer;
    udh?: Buffer[] | Buffer;
  }

  export interface PDU {
    command: string;
    command_status: number;
    sequence_number: number;
    system_id?: string;
    password?: string;
    source_addr?: string;
    destination_addr?: string;
    data_coding?: number;
    esm_class?: number;
    registered_delivery?: number;
    message_id?: string;
    receipted_message_id?: string;
    message_state?: number;
    short_message?: ShortMessage;
    response(options?: Record<string, unknown>): PDU;
  }

  export interface Session extends EventEmitter {
    send(pdu: PDU, callback?: (response: PDU) => void): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    pause(): void;
    resume(): void;
    bind_transceiver(options: Record<string, unknown>, callback: (pdu: PDU) => void): void;
    submit_sm(options: Record<string, unknown>, callback: (pdu: PDU) => void): void;
    deliver_sm(options: Record<string, unknown>, callback?: (pdu: PDU) => void): void;
    unbind(options?: Record<string, unknown>, callback?: (pdu: PDU) => void): void;
    enquire_link(options?: Record<string, unknown>, callback?: (pdu: PDU) => void): void;
  }

  export interface Server extends NetServer {
    sessions: Session[];
  }

  export function createServer(options: Record<string, unknown>, listener: (session: Session) => void): Server;
  export function connect(options: { url?: string; host?: string; port?: number; auto_enquire_link_period?: number }, listener?: () => void): Session;

  export const ESME_ROK: number;
  export const ESME_RBINDFAIL: number;

  const smpp: {
    createServer: typeof createServer;
    connect: typeof connect;
    ESME_ROK: number;
    ESME_RBINDFAIL: number;
  };
  export default smpp;
}

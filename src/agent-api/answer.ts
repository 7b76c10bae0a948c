/**
 * One HTTP answer of the Agent API. Its refusals carry the Agent's status codes and bodies: short
 * plain-text bodies for refused requests (`Bad Token`, `Forwarded`, …) and Secrets Manager's JSON
 * error shape `{"__type","message"}` for a secret that cannot be served.
 */
export class AgentAnswer {
  readonly status: number;
  readonly body: string;
  readonly contentType: string | undefined;

  constructor(status: number, body: string, contentType?: string) {
    this.status = status;
    this.body = body;
    this.contentType = contentType;
  }

  /** A plain-text answer, as the Agent sends for requests it refuses before looking at the secret. */
  static text(status: number, body: string): AgentAnswer {
    return new AgentAnswer(status, body);
  }

  /** Secrets Manager's error shape, as the Agent forwards it: `{"__type":"ResourceNotFoundException","message":"…"}`. */
  static error(status: number, type: string, message: string): AgentAnswer {
    return new AgentAnswer(status, JSON.stringify(message === '' ? { __type: type } : { __type: type, message }), 'application/json');
  }

  static json(value: unknown): AgentAnswer {
    return new AgentAnswer(200, JSON.stringify(value), 'application/json');
  }
}

/**
 * LiteLLM's per-request spend log (LiteLLM_SpendLogs, BerriAI/litellm schema.prisma), exported
 * as CSV the way `psql \copy ... CSV HEADER` writes it: absolute startTime, completionStartTime
 * and endTime (timestamp(3) without zone, UTC), OpenAI token names, a session id and a status.
 * Everything replay needs comes through --columns: TTFT and E2E as distances of the first-token
 * and end times from the arrival.
 */
import { describe, expect, it } from 'vitest';
import { ingestText } from '../../src/ingest/ingest.js';
import { mappedCsvFormat, parseColumnMapping } from '../../src/ingest/formats/mapped-csv.js';

const SPEND_LOGS = [
  'request_id,call_type,spend,total_tokens,prompt_tokens,completion_tokens,startTime,endTime,request_duration_ms,completionStartTime,model,model_group,user,session_id,status',
  'chatcmpl-a1,acompletion,0.0012,612,512,100,2026-03-01 10:00:00.120,2026-03-01 10:00:01.320,1200,2026-03-01 10:00:00.165,hosted_vllm/meta-llama/Llama-3.1-8B-Instruct,llama-8b,alice,s-1,success',
  'chatcmpl-a2,acompletion,0.0001,1040,1024,16,2026-03-01 10:00:00.500,2026-03-01 10:00:00.700,200,2026-03-01 10:00:00.560,hosted_vllm/meta-llama/Llama-3.1-8B-Instruct,llama-8b,bob,,success',
  'chatcmpl-a3,acompletion,0,0,0,0,2026-03-01 10:00:00.900,2026-03-01 10:00:30.900,30000,,hosted_vllm/meta-llama/Llama-3.1-8B-Instruct,llama-8b,alice,s-1,failure',
  'chatcmpl-a4,acompletion,0.0013,740,700,40,2026-03-01 10:00:02.000,2026-03-01 10:00:01.000,-1000,2026-03-01 10:00:02.050,hosted_vllm/meta-llama/Llama-3.1-8B-Instruct,llama-8b,carol,,success',
].join('\n') + '\n';

const MAP = 'arrival=startTime,input=prompt_tokens,output=completion_tokens,first_token=completionStartTime,end=endTime,id=request_id,session=session_id,model=model_group,status=status';

describe('a LiteLLM spend log through --columns', () => {
  it('replays successes with TTFT and E2E from the absolute times, skips the failure and a negative latency, each counted', () => {
    const { requests, summary } = ingestText(mappedCsvFormat, 'spend.csv', SPEND_LOGS, { columns: parseColumnMapping(MAP), timeUnit: 'iso' });
    expect(requests.map((r) => [r.id, r.arrivalUs, r.inputTokens, r.outputTokens, r.sessionId, r.model])).toEqual([
      ['chatcmpl-a1', 0, 512, 100, 's-1', 'llama-8b'],
      ['chatcmpl-a2', 380_000, 1024, 16, undefined, 'llama-8b'],
    ]);
    expect(requests.map((r) => r.observed)).toEqual([{ ttftUs: 45_000, e2eUs: 1_200_000 }, { ttftUs: 60_000, e2eUs: 200_000 }]);
    expect(summary.skipped).toEqual({ REQUEST_FAILED: 1, OBSERVED_OUT_OF_RANGE: 1 });
    expect(summary.messages[1]).toMatch(/^spend\.csv:5: /);
  });

  it('refuses a latency given both as a duration and as a time', () => {
    expect(() => parseColumnMapping('arrival=a,input=b,output=c,ttft=t,first_token=f')).toThrow(/ttft= \(a duration\) and first_token= \(a time/);
  });
});

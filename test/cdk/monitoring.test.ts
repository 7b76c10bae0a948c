import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TokenRefresherResources } from '../../src/cdk/index.js';
import { METRIC_NAMES } from '../../src/powertools/index.js';

function synth(monitoring?: { namespace: string; service: string }) {
  const stack = new Stack(new App(), 'Tokens', { env: { account: '123456789012', region: 'eu-west-1' } });
  new TokenRefresherResources(stack, 'Tokens', { secretName: 'prod/api-token', tableName: 'token-locks', ...(monitoring ? { monitoring } : {}) });
  return Template.fromStack(stack);
}

describe('Class: TokenRefresherResources (monitoring)', () => {
  it('alarms on refresh failures, lost grants and headroom below 20, on the metric names the EMF listener publishes', () => {
    const template = synth({ namespace: 'TokenRefresher', service: 'api' });
    const dimensions = [{ Name: 'service', Value: 'api' }];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'TokenRefresher',
      MetricName: METRIC_NAMES.refreshFailed,
      Dimensions: dimensions,
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: METRIC_NAMES.grantLost, Threshold: 1 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: METRIC_NAMES.versionHeadroom,
      Statistic: 'Minimum',
      Threshold: 20,
      ComparisonOperator: 'LessThanThreshold',
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties.DashboardBody);
    for (const name of Object.values(METRIC_NAMES).filter((name) => name !== METRIC_NAMES.grantLost)) expect(body).toContain(name);
  });

  it('creates no dashboard or alarm unless asked', () => {
    const template = synth();
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });
});

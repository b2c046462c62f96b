// The construct, synthesized with the CDK's own assertions (Template.fromStack); run with
// `node --test` on the compiled tests (`make cdk-test`). Tests import the jsii build in lib/.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { App, CfnParameter, Duration, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import {
  AttributeMatchingModel,
  ConflictResolvingModel,
  CustomerProfilesDomain,
  CustomerProfilesDomainProps,
  DayOfTheWeek,
  OnDelete,
  ProviderServiceToken,
} from '../lib';

const TYPE = 'Custom::CustomerProfilesDomain';

function synth(props: CustomerProfilesDomainProps): { stack: Stack; settings: CustomerProfilesDomain; template: Template } {
  const stack = new Stack(new App(), 'Test');
  const settings = new CustomerProfilesDomain(stack, 'Settings', props);
  return { stack, settings, template: Template.fromStack(stack) };
}

function onlyResource(template: Template): { [key: string]: any } {
  const resources = Object.values(template.findResources(TYPE));
  assert.equal(resources.length, 1);
  return resources[0];
}

describe('properties', () => {
  it('maps every struct member to the PascalCase name CloudFormation gets', () => {
    const { template } = synth({
      domainName: 'crm',
      defaultExpirationDays: 366,
      defaultEncryptionKey: 'alias/crm',
      deadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
      matching: {
        enabled: true,
        jobSchedule: { dayOfTheWeek: DayOfTheWeek.SUNDAY, time: '02:00' },
        autoMerging: {
          enabled: true,
          conflictResolution: { conflictResolvingModel: ConflictResolvingModel.SOURCE, sourceName: 'crm' },
          consolidation: { matchingAttributesList: [['EmailAddress'], ['FirstName', 'LastName']] },
          minAllowedConfidenceScoreForMerging: 0.8,
        },
        exportingConfig: { s3Exporting: { s3BucketName: 'exports', s3KeyName: 'matches/' } },
      },
      ruleBasedMatching: {
        enabled: true,
        matchingRules: [{ rule: ['EmailAddress'] }, { rule: ['FirstName', 'LastName'] }],
        maxAllowedRuleLevelForMatching: 2,
        maxAllowedRuleLevelForMerging: 1,
        attributeTypesSelector: {
          attributeMatchingModel: AttributeMatchingModel.ONE_TO_ONE,
          emailAddress: ['PersonalEmailAddress'],
          address: ['MailingAddress'],
          phoneNumber: ['MobilePhoneNumber'],
        },
        conflictResolution: { conflictResolvingModel: ConflictResolvingModel.RECENCY },
        exportingConfig: { s3Exporting: { s3BucketName: 'exports' } },
      },
      dataStore: { enabled: true },
      tags: { team: 'crm', 'cost:center': '42' },
      onDelete: OnDelete.RETAIN,
      reconcileToken: '2026-12-05',
    });

    const { ServiceToken: _token, ServiceTimeout: _timeout, ...properties } = onlyResource(template).Properties;
    assert.deepEqual(properties, {
      DomainName: 'crm',
      DefaultExpirationDays: 366,
      DefaultEncryptionKey: 'alias/crm',
      DeadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
      Matching: {
        Enabled: true,
        JobSchedule: { DayOfTheWeek: 'SUNDAY', Time: '02:00' },
        AutoMerging: {
          Enabled: true,
          ConflictResolution: { ConflictResolvingModel: 'SOURCE', SourceName: 'crm' },
          Consolidation: { MatchingAttributesList: [['EmailAddress'], ['FirstName', 'LastName']] },
          MinAllowedConfidenceScoreForMerging: 0.8,
        },
        ExportingConfig: { S3Exporting: { S3BucketName: 'exports', S3KeyName: 'matches/' } },
      },
      RuleBasedMatching: {
        Enabled: true,
        MatchingRules: [{ Rule: ['EmailAddress'] }, { Rule: ['FirstName', 'LastName'] }],
        MaxAllowedRuleLevelForMatching: 2,
        MaxAllowedRuleLevelForMerging: 1,
        AttributeTypesSelector: {
          AttributeMatchingModel: 'ONE_TO_ONE',
          EmailAddress: ['PersonalEmailAddress'],
          Address: ['MailingAddress'],
          PhoneNumber: ['MobilePhoneNumber'],
        },
        ConflictResolution: { ConflictResolvingModel: 'RECENCY' },
        ExportingConfig: { S3Exporting: { S3BucketName: 'exports' } },
      },
      DataStore: { Enabled: true },
      Tags: { 'team': 'crm', 'cost:center': '42' },
      OnDelete: 'Retain',
      ReconcileToken: '2026-12-05',
    });
  });

  it('sends only what is set: the provider leaves the rest of the domain as it is', () => {
    const { template } = synth({ domainName: 'crm', dataStore: {} });

    const properties = onlyResource(template).Properties;
    assert.deepEqual(Object.keys(properties).sort(), ['DataStore', 'DomainName', 'ServiceTimeout', 'ServiceToken']);
    assert.deepEqual(properties.DataStore, {});
  });

  it('leaves OnDelete out by default: the provider restores what it found', () => {
    const { template } = synth({ domainName: 'crm' });

    assert.equal(onlyResource(template).Properties.OnDelete, undefined);
  });

  it('passes tokens through: a domain created in the same stack', () => {
    const stack = new Stack(new App(), 'Test');
    const name = new CfnParameter(stack, 'Name');
    const days = new CfnParameter(stack, 'Days', { type: 'Number' });
    new CustomerProfilesDomain(stack, 'Settings', {
      domainName: name.valueAsString,
      defaultExpirationDays: days.valueAsNumber,
    });

    Template.fromStack(stack).hasResourceProperties(TYPE, {
      DomainName: { Ref: 'Name' },
      DefaultExpirationDays: { Ref: 'Days' },
    });
  });
});

describe('service timeout', () => {
  it('defaults to 300 seconds', () => {
    const { template } = synth({ domainName: 'crm' });

    // CloudFormation's ServiceTimeout, in seconds (the CDK writes it as a string).
    assert.equal(onlyResource(template).Properties.ServiceTimeout, '300');
  });

  it('takes a Duration', () => {
    const { template } = synth({ domainName: 'crm', serviceTimeout: Duration.minutes(10) });

    assert.equal(onlyResource(template).Properties.ServiceTimeout, '600');
  });

  it('warns below 130 seconds: the provider may take 120 s to answer', () => {
    const { stack } = synth({ domainName: 'crm', serviceTimeout: Duration.seconds(60) });

    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('serviceTimeout is 60 s'));
  });

  it('refuses more than an hour', () => {
    assert.throws(
      () => synth({ domainName: 'crm', serviceTimeout: Duration.hours(2) }),
      /serviceTimeout must be 1 to 3600 seconds, got 7200/,
    );
  });
});

describe('provider', () => {
  it('is the default provider stack export unless told otherwise', () => {
    const { template } = synth({ domainName: 'crm' });

    template.hasResourceProperties(TYPE, {
      ServiceToken: { 'Fn::ImportValue': 'customer-profiles-domain-provider-ServiceToken' },
    });
  });

  it('is the export of a provider stack with another name', () => {
    const { template } = synth({ domainName: 'crm', provider: ProviderServiceToken.fromExport('crm-provider') });

    template.hasResourceProperties(TYPE, { ServiceToken: { 'Fn::ImportValue': 'crm-provider-ServiceToken' } });
  });

  it('is read from the SSM parameter the provider publishes, at deploy time', () => {
    const { template } = synth({ domainName: 'crm', provider: ProviderServiceToken.fromSsmParameter() });

    const [parameterId, parameter] = Object.entries(template.toJSON().Parameters as { [k: string]: any }).find(
      ([, p]) => p.Type === 'AWS::SSM::Parameter::Value<String>',
    )!;
    assert.equal(parameter.Default, '/customer-profiles-domain-provider/service-token');
    template.hasResourceProperties(TYPE, { ServiceToken: { Ref: parameterId } });
  });

  it('reads one SSM parameter per stack however many resources use it', () => {
    const stack = new Stack(new App(), 'Test');
    for (const name of ['a', 'b']) {
      new CustomerProfilesDomain(stack, name, {
        domainName: name,
        provider: ProviderServiceToken.fromSsmParameter('/my/token'),
      });
    }

    const parameters = Template.fromStack(stack).findParameters('*', { Default: '/my/token' });
    assert.equal(Object.keys(parameters).length, 1);
  });

  it('is the token given: the nested application output, or an ARN', () => {
    const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:provider';
    const { template } = synth({ domainName: 'crm', provider: ProviderServiceToken.fromArn(arn) });

    template.hasResourceProperties(TYPE, { ServiceToken: arn });
  });
});

describe('attributes', () => {
  const names = [
    'DomainName', 'DomainArn', 'DefaultExpirationDays', 'MatchingEnabled', 'RuleBasedMatchingEnabled',
    'RuleBasedMatchingStatus', 'DataStoreEnabled', 'CreatedAt', 'LastUpdatedAt',
  ];

  it('has one typed accessor for every Fn::GetAtt attribute of the provider response', () => {
    const { stack, settings } = synth({ domainName: 'crm' });
    const logicalId = stack.getLogicalId(settings.resource.node.defaultChild as any);

    for (const name of names) {
      const value = (settings as any)[`attr${name}`];
      assert.ok(Token.isUnresolved(value), name);
      assert.deepEqual(stack.resolve(value), { 'Fn::GetAtt': [logicalId, name] }, name);
    }
    assert.deepEqual(stack.resolve(settings.domainArn), { 'Fn::GetAtt': [logicalId, 'DomainArn'] });
  });

  it('names the domain by Ref, the physical id', () => {
    const { stack, settings } = synth({ domainName: 'crm' });
    const logicalId = stack.getLogicalId(settings.resource.node.defaultChild as any);

    assert.deepEqual(stack.resolve(settings.domainName), { Ref: logicalId });
  });
});

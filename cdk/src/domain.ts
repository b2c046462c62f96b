import { Annotations, CustomResource, Duration, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DomainProperties } from './properties.generated';
import { ProviderServiceToken } from './provider';
import { renderDomainProperties } from './render.generated';

/**
 * Props of a `CustomerProfilesDomain`: the resource's properties (`DomainProperties`, generated
 * from the provider's JSON Schema) plus where the provider is and how long CloudFormation waits.
 */
export interface CustomerProfilesDomainProps extends DomainProperties {
  /**
   * The provider to send the resource's events to.
   *
   * @default ProviderServiceToken.fromExport() - the export of a provider stack named
   * `customer-profiles-domain-provider` in the same account and region
   */
  readonly provider?: ProviderServiceToken;

  /**
   * How long CloudFormation waits for the provider's answer (the custom resource's
   * `ServiceTimeout`): 1 second to 1 hour. The provider answers within about two minutes (its
   * function's timeout is 120 s), so keep it above 130 seconds.
   *
   * @default Duration.minutes(5)
   */
  readonly serviceTimeout?: Duration;
}

/**
 * The settings of an existing Amazon Connect Customer Profiles domain, applied by the
 * `customer-profiles-domain-provider` stack: a `Custom::CustomerProfilesDomain` resource.
 *
 * The provider changes only what differs from the live domain and, on Delete, puts back what it
 * found (`onDelete`). `domainName` is the domain's name (`Ref`, the physical id); the
 * `attr*` members are the resource's `Fn::GetAtt` attributes, all strings (`""` where the
 * service returned nothing).
 */
export class CustomerProfilesDomain extends Construct {
  /** The resource type this construct creates. */
  public static readonly RESOURCE_TYPE = 'Custom::CustomerProfilesDomain';

  /** The default `ServiceTimeout`, in seconds. */
  public static readonly DEFAULT_SERVICE_TIMEOUT_SECONDS = 300;

  /** The underlying custom resource (escape hatch). */
  public readonly resource: CustomResource;

  /** The domain's name: the resource's physical id (`Ref`). */
  public readonly domainName: string;
  /** The domain's ARN (`Fn::GetAtt DomainArn`), the same as `attrDomainArn`. */
  public readonly domainArn: string;

  /** `Fn::GetAtt DomainName`. */
  public readonly attrDomainName: string;
  /** `Fn::GetAtt DomainArn`: `arn:<partition>:profile:<region>:<account>:domains/<name>`. */
  public readonly attrDomainArn: string;
  /** `Fn::GetAtt DefaultExpirationDays`, as a string. */
  public readonly attrDefaultExpirationDays: string;
  /** `Fn::GetAtt MatchingEnabled`: `true`, `false` or `""`. */
  public readonly attrMatchingEnabled: string;
  /** `Fn::GetAtt RuleBasedMatchingEnabled`: `true`, `false` or `""`. */
  public readonly attrRuleBasedMatchingEnabled: string;
  /** `Fn::GetAtt RuleBasedMatchingStatus`: `PENDING`, `IN_PROGRESS`, `ACTIVE` or `""`. */
  public readonly attrRuleBasedMatchingStatus: string;
  /** `Fn::GetAtt DataStoreEnabled`: `true`, `false` or `""`. */
  public readonly attrDataStoreEnabled: string;
  /** `Fn::GetAtt CreatedAt` (ISO 8601). */
  public readonly attrCreatedAt: string;
  /** `Fn::GetAtt LastUpdatedAt` (ISO 8601). */
  public readonly attrLastUpdatedAt: string;

  constructor(scope: Construct, id: string, props: CustomerProfilesDomainProps) {
    super(scope, id);
    const { provider, serviceTimeout, ...properties } = props;
    const timeout = serviceTimeout ?? Duration.seconds(CustomerProfilesDomain.DEFAULT_SERVICE_TIMEOUT_SECONDS);
    this.checkServiceTimeout(timeout);

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: (provider ?? ProviderServiceToken.fromExport()).bind(this),
      resourceType: CustomerProfilesDomain.RESOURCE_TYPE,
      serviceTimeout: timeout,
      properties: renderDomainProperties(properties),
    });

    this.domainName = this.resource.ref;
    this.attrDomainName = this.resource.getAttString('DomainName');
    this.attrDomainArn = this.resource.getAttString('DomainArn');
    this.domainArn = this.attrDomainArn;
    this.attrDefaultExpirationDays = this.resource.getAttString('DefaultExpirationDays');
    this.attrMatchingEnabled = this.resource.getAttString('MatchingEnabled');
    this.attrRuleBasedMatchingEnabled = this.resource.getAttString('RuleBasedMatchingEnabled');
    this.attrRuleBasedMatchingStatus = this.resource.getAttString('RuleBasedMatchingStatus');
    this.attrDataStoreEnabled = this.resource.getAttString('DataStoreEnabled');
    this.attrCreatedAt = this.resource.getAttString('CreatedAt');
    this.attrLastUpdatedAt = this.resource.getAttString('LastUpdatedAt');
  }

  private checkServiceTimeout(timeout: Duration): void {
    if (Token.isUnresolved(timeout.toSeconds())) {
      return;
    }
    const seconds = timeout.toSeconds();
    if (seconds < 1 || seconds > 3600) {
      throw new Error(`serviceTimeout must be 1 to 3600 seconds, got ${seconds}`);
    }
    if (seconds < 130) {
      Annotations.of(this).addWarningV2(
        'customer-profiles-domain:serviceTimeout',
        `serviceTimeout is ${seconds} s: the provider may take up to 120 s to answer; keep it above 130 s`,
      );
    }
  }
}

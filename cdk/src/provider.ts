import { Fn, aws_ssm as ssm } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * Where a `CustomerProfilesDomain` finds the provider: the ServiceToken (the provider function's
 * ARN) of a `customer-profiles-domain-provider` stack in the same account and region.
 */
export abstract class ProviderServiceToken {
  /** The provider stack's name when deployed as the README says. */
  public static readonly DEFAULT_STACK_NAME = 'customer-profiles-domain-provider';

  /**
   * The SSM parameter under which the provider stack publishes its ServiceToken: one fixed name
   * per account and region, so a template deployed by StackSets finds the provider without
   * knowing its stack's name.
   */
  public static readonly DEFAULT_PARAMETER_NAME = '/customer-profiles-domain-provider/service-token';

  /**
   * The provider stack's export, `<stackName>-ServiceToken` (`Fn::ImportValue`).
   *
   * CloudFormation then keeps the provider stack from being deleted while this stack uses it.
   *
   * @param stackName the provider stack's name. Default: `customer-profiles-domain-provider`.
   */
  public static fromExport(stackName?: string): ProviderServiceToken {
    return new ExportedToken(stackName ?? ProviderServiceToken.DEFAULT_STACK_NAME);
  }

  /**
   * An SSM parameter holding the ServiceToken, read when the stack is deployed (a template
   * parameter of type `AWS::SSM::Parameter::Value<String>`): the way in for StackSets and for
   * stacks that should not depend on the provider stack's name.
   *
   * @param parameterName Default: `/customer-profiles-domain-provider/service-token`, which the
   * provider template publishes.
   */
  public static fromSsmParameter(parameterName?: string): ProviderServiceToken {
    return new SsmToken(parameterName ?? ProviderServiceToken.DEFAULT_PARAMETER_NAME);
  }

  /**
   * A ServiceToken given as it is: the provider function's ARN, or a token for it, such as the
   * `Outputs.ServiceToken` of the provider installed as a nested application from the
   * Serverless Application Repository.
   */
  public static fromArn(serviceToken: string): ProviderServiceToken {
    return new ExplicitToken(serviceToken);
  }

  /** The ServiceToken for a resource in `scope`'s stack. */
  public abstract bind(scope: Construct): string;
}

class ExportedToken extends ProviderServiceToken {
  constructor(private readonly stackName: string) {
    super();
  }

  public bind(_scope: Construct): string {
    return Fn.importValue(`${this.stackName}-ServiceToken`);
  }
}

class SsmToken extends ProviderServiceToken {
  constructor(private readonly parameterName: string) {
    super();
  }

  public bind(scope: Construct): string {
    // One template parameter per stack and name, however many resources read it.
    return ssm.StringParameter.valueForStringParameter(scope, this.parameterName);
  }
}

class ExplicitToken extends ProviderServiceToken {
  constructor(private readonly serviceToken: string) {
    super();
  }

  public bind(_scope: Construct): string {
    return this.serviceToken;
  }
}

export { buildPolicies, type BuildPoliciesOptions, type TokenRefresherPolicies } from './policies.js';
export { actionsOf, type PolicyCondition, type PolicyDocument, type PolicyStatement } from './policy-document.js';
export {
  CREATE_SECRET_ACTIONS,
  KMS_READ_ACTIONS,
  KMS_WRITE_ACTIONS,
  LOCK_ITEM_ACTIONS,
  OPERATOR_SECRET_ACTIONS,
  READER_ACTIONS,
  REFRESHER_SECRET_ACTIONS,
  TABLE_ADMIN_ACTIONS,
} from './actions.js';

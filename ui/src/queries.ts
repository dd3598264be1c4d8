// Every operation the UI sends. Types come from the schema (npm run codegen → src/gql).
import { graphql } from './gql';

export const MeQuery = graphql(`
  query Me {
    me { keyId name role partner }
  }
`);

export const SearchQuery = graphql(`
  query Search($text: String!, $types: [EntityType!], $first: Int, $after: String) {
    search(text: $text, types: $types, first: $first, after: $after) {
      total
      hits { score exact node { id type caption properties } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const SearchWithRiskQuery = graphql(`
  query SearchWithRisk($text: String!, $types: [EntityType!], $first: Int, $after: String) {
    search(text: $text, types: $types, first: $first, after: $after) {
      total
      hits { score exact node { id type caption properties risk { risk alert } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const NodesQuery = graphql(`
  query Nodes($ids: [ID!]!) {
    nodes(ids: $ids) { id type caption properties }
  }
`);

export const NeighbourhoodQuery = graphql(`
  query Neighbourhood($ids: [ID!]!, $hops: Int, $filter: GraphFilter, $limit: Int) {
    neighbourhood(ids: $ids, hops: $hops, filter: $filter, limitPerNode: $limit) {
      nodes { id type caption properties }
      edges { id type from to properties }
      more { nodeId omitted dense }
      truncated
    }
  }
`);

export const RisksQuery = graphql(`
  query Risks($ids: [ID!]!) {
    nodes(ids: $ids) { id risk { risk alert } }
  }
`);

export const EntityQuery = graphql(`
  query Entity($id: ID!) {
    entity(id: $id) {
      node { id type caption properties }
      provenance { sourceId partner dataset file properties refs firstSeen lastSeen }
      identifiers { id type caption properties }
      degree { type count }
    }
  }
`);

export const EntityRiskQuery = graphql(`
  query EntityRisk($id: ID!) {
    entity(id: $id) {
      node {
        id
        risk {
          risk alert alertReason
          breakdown { rule family weight strength contribution weak signals }
          signals(first: 50) { id rule family indicator strength summary transactionIds entities { id } links { from to type } }
        }
      }
    }
  }
`);

export const EntityResolutionQuery = graphql(`
  query EntityResolution($id: ID!) {
    entity(id: $id) {
      resolvedEntity { id name size members { id type caption } }
      matches {
        a { id caption } b { id caption }
        probability weight status reason
        evidence { field level weight detail }
        judgement { verdict by at }
      }
    }
  }
`);

export const JudgeMatchMutation = graphql(`
  mutation JudgeMatch($a: ID!, $b: ID!, $verdict: Verdict!) {
    judgeMatch(a: $a, b: $b, verdict: $verdict) { __typename }
  }
`);

export const TransactionsQuery = graphql(`
  query Transactions($account: ID!, $first: Int, $after: String) {
    transactions(account: $account, first: $first, after: $after) {
      rows { amount currency timestamp transaction { id caption properties } from { id caption type } to { id caption type } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const TimelineQuery = graphql(`
  query Timeline($id: ID!, $period: TimelinePeriod) {
    timeline(id: $id, first: 1, period: $period) {
      buckets { start events amounts { currency in out count } }
    }
  }
`);

export const PathsQuery = graphql(`
  query Paths($from: ID!, $to: ID!, $kind: PathKind, $k: Int, $maxHops: Int, $directed: Boolean, $moneyTrail: MoneyTrailOptions) {
    paths(from: $from, to: $to, kind: $kind, k: $k, maxHops: $maxHops, directed: $directed, moneyTrail: $moneyTrail) {
      truncated
      reason
      paths {
        hops cost amounts times currencies
        nodes { id type caption properties }
        edges { id type from to properties }
      }
    }
  }
`);

export const AlertsQuery = graphql(`
  query Alerts($filter: AlertFilter, $first: Int, $after: String) {
    alerts(filter: $filter, first: $first, after: $after) {
      nodes { id status risk reason rules assignee createdAt updatedAt subject { id type caption properties } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const UpdateAlertMutation = graphql(`
  mutation UpdateAlert($id: ID!, $input: AlertUpdate!) {
    updateAlert(id: $id, input: $input) { id status assignee closeReason }
  }
`);

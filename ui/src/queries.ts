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

export const CommunitiesQuery = graphql(`
  query Communities($input: CommunityInput!) {
    communities(input: $input) {
      run { id algorithm modularity count nodes relationships elapsedMs createdAt scope { kind } }
      communities { id size flowIn flowOut internal riskShare flows { currency in out internal } countries { country count } members { id type caption properties } }
    }
  }
`);

export const StartCommunitiesMutation = graphql(`
  mutation StartCommunities($input: CommunityInput!) {
    startCommunities(input: $input) { id state progress }
  }
`);

export const StartCentralityMutation = graphql(`
  mutation StartCentrality($input: CentralityInput!) {
    startCentrality(input: $input) { id state progress }
  }
`);

export const JobQuery = graphql(`
  query Job($id: ID!) {
    job(id: $id) {
      id state progress error
      centrality { algorithm nodes relationships elapsedMs ranked { rank score node { id type caption properties } } }
      communities {
        run { id algorithm modularity count nodes relationships elapsedMs createdAt scope { kind } }
        communities { id size flowIn flowOut internal riskShare flows { currency in out internal } countries { country count } members { id type caption properties } }
      }
    }
  }
`);

export const CommunityRunsQuery = graphql(`
  query CommunityRuns {
    communityRuns(first: 20) { nodes { id algorithm modularity count stored createdAt scope { kind } } }
  }
`);

export const CommunityRunQuery = graphql(`
  query CommunityRun($id: ID!) {
    communityRun(id: $id, top: 50, membersPerCommunity: 50) {
      run { id algorithm modularity count nodes relationships elapsedMs createdAt scope { kind } }
      communities { id size flowIn flowOut internal riskShare flows { currency in out internal } countries { country count } members { id type caption properties } }
    }
  }
`);

export const CentralityQuery = graphql(`
  query Centrality($input: CentralityInput!) {
    centrality(input: $input) { algorithm nodes relationships elapsedMs ranked { rank score node { id type caption properties } } }
  }
`);

export const CasesQuery = graphql(`
  query Cases($status: CaseStatus) {
    cases(status: $status, first: 100) { nodes { id title status createdBy updatedAt } }
  }
`);


export const CaseQuery = graphql(`
  query Case($id: ID!) {
    case(id: $id) {
      id title description status createdBy createdAt updatedAt
      entities { id type caption properties }
      alerts { id status risk reason subject { id caption } }
      notes { id text by at }
      views { id name by at nodeIds edgeIds layout }
      history { at by action detail }
    }
  }
`);

export const CreateCaseMutation = graphql(`
  mutation CreateCase($title: String!, $description: String) {
    createCase(title: $title, description: $description) { id title }
  }
`);

export const AddToCaseMutation = graphql(`
  mutation AddToCase($id: ID!, $entityIds: [ID!], $alertIds: [ID!]) {
    addToCase(id: $id, entityIds: $entityIds, alertIds: $alertIds) { id }
  }
`);

export const AddCaseNoteMutation = graphql(`
  mutation AddCaseNote($id: ID!, $text: String!) {
    addCaseNote(id: $id, text: $text) { id }
  }
`);

export const SaveCaseViewMutation = graphql(`
  mutation SaveCaseView($id: ID!, $view: SavedViewInput!) {
    saveCaseView(id: $id, view: $view) { id }
  }
`);

export const UpdateCaseMutation = graphql(`
  mutation UpdateCase($id: ID!, $status: CaseStatus) {
    updateCase(id: $id, status: $status) { id status }
  }
`);

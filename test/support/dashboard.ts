/**
 * The dashboard of DESIGN.md and the issues: customers with company, open deals, last 5 payments,
 * lifetime value and activity in a window. Shared by the tests that measure it.
 */
export const DASHBOARD_QUERY = /* GraphQL */ `
  query Dashboard($first: Int!, $since: DateTime!, $until: DateTime!) {
    customers(first: $first) {
      edges {
        node {
          id
          name
          email
          company {
            name
            domain
          }
          deals(status: OPEN, first: 20) {
            totalCount
            edges {
              node {
                name
                stage
                amount {
                  amount
                  currency
                }
              }
            }
          }
          payments(first: 5) {
            edges {
              node {
                amount {
                  amount
                  currency
                }
                status
                createdAt
              }
            }
          }
          lifetimeValue {
            amount
            currency
          }
          activity(since: $since, until: $until) {
            eventCount
            activeDays
            lastSeenAt
          }
        }
      }
    }
  }
`;

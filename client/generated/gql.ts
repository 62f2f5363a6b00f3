/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query CustomerByEmail($email: String!) {\n  customer(email: $email) {\n    id\n    name\n    email\n    phone\n    jobTitle\n    createdAt\n    company {\n      name\n    }\n    subscriptions {\n      id\n      status\n      planName\n    }\n    links {\n      domain\n      provider\n      externalId\n    }\n  }\n}": typeof types.CustomerByEmailDocument,
    "query Dashboard($first: Int = 20, $after: String, $paymentsPerCustomer: Int = 5) {\n  customers(first: $first, after: $after) {\n    totalCount\n    edges {\n      cursor\n      node {\n        id\n        name\n        email\n        company {\n          id\n          name\n          domain\n        }\n        deals(status: OPEN) {\n          totalCount\n        }\n        payments(first: $paymentsPerCustomer) {\n          edges {\n            node {\n              id\n              status\n              createdAt\n              amount {\n                amount\n                currency\n                formatted\n              }\n            }\n          }\n        }\n        lifetimeValue {\n          amount\n          currency\n          formatted\n        }\n        activity {\n          eventCount\n          activeDays\n          lastSeenAt\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.DashboardDocument,
    "query Metrics($since: DateTime!, $until: DateTime!, $interval: Interval!) {\n  metrics(since: $since, until: $until, interval: $interval) {\n    since\n    until\n    interval\n    buckets {\n      start\n      end\n      revenue {\n        amount\n        currency\n      }\n      activeUsers\n      newCustomers\n    }\n  }\n}": typeof types.MetricsDocument,
    "query PaymentsPage($customerId: ID!, $first: Int = 10, $after: String, $status: PaymentStatus) {\n  node(id: $customerId) {\n    ... on Customer {\n      id\n      payments(first: $first, after: $after, status: $status) {\n        totalCount\n        edges {\n          cursor\n          node {\n            id\n            status\n            providerStatus\n            description\n            createdAt\n            amount {\n              amount\n              currency\n              formatted\n            }\n            amountRefunded {\n              amount\n            }\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n}": typeof types.PaymentsPageDocument,
};
const documents: Documents = {
    "query CustomerByEmail($email: String!) {\n  customer(email: $email) {\n    id\n    name\n    email\n    phone\n    jobTitle\n    createdAt\n    company {\n      name\n    }\n    subscriptions {\n      id\n      status\n      planName\n    }\n    links {\n      domain\n      provider\n      externalId\n    }\n  }\n}": types.CustomerByEmailDocument,
    "query Dashboard($first: Int = 20, $after: String, $paymentsPerCustomer: Int = 5) {\n  customers(first: $first, after: $after) {\n    totalCount\n    edges {\n      cursor\n      node {\n        id\n        name\n        email\n        company {\n          id\n          name\n          domain\n        }\n        deals(status: OPEN) {\n          totalCount\n        }\n        payments(first: $paymentsPerCustomer) {\n          edges {\n            node {\n              id\n              status\n              createdAt\n              amount {\n                amount\n                currency\n                formatted\n              }\n            }\n          }\n        }\n        lifetimeValue {\n          amount\n          currency\n          formatted\n        }\n        activity {\n          eventCount\n          activeDays\n          lastSeenAt\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.DashboardDocument,
    "query Metrics($since: DateTime!, $until: DateTime!, $interval: Interval!) {\n  metrics(since: $since, until: $until, interval: $interval) {\n    since\n    until\n    interval\n    buckets {\n      start\n      end\n      revenue {\n        amount\n        currency\n      }\n      activeUsers\n      newCustomers\n    }\n  }\n}": types.MetricsDocument,
    "query PaymentsPage($customerId: ID!, $first: Int = 10, $after: String, $status: PaymentStatus) {\n  node(id: $customerId) {\n    ... on Customer {\n      id\n      payments(first: $first, after: $after, status: $status) {\n        totalCount\n        edges {\n          cursor\n          node {\n            id\n            status\n            providerStatus\n            description\n            createdAt\n            amount {\n              amount\n              currency\n              formatted\n            }\n            amountRefunded {\n              amount\n            }\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n}": types.PaymentsPageDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CustomerByEmail($email: String!) {\n  customer(email: $email) {\n    id\n    name\n    email\n    phone\n    jobTitle\n    createdAt\n    company {\n      name\n    }\n    subscriptions {\n      id\n      status\n      planName\n    }\n    links {\n      domain\n      provider\n      externalId\n    }\n  }\n}"): (typeof documents)["query CustomerByEmail($email: String!) {\n  customer(email: $email) {\n    id\n    name\n    email\n    phone\n    jobTitle\n    createdAt\n    company {\n      name\n    }\n    subscriptions {\n      id\n      status\n      planName\n    }\n    links {\n      domain\n      provider\n      externalId\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Dashboard($first: Int = 20, $after: String, $paymentsPerCustomer: Int = 5) {\n  customers(first: $first, after: $after) {\n    totalCount\n    edges {\n      cursor\n      node {\n        id\n        name\n        email\n        company {\n          id\n          name\n          domain\n        }\n        deals(status: OPEN) {\n          totalCount\n        }\n        payments(first: $paymentsPerCustomer) {\n          edges {\n            node {\n              id\n              status\n              createdAt\n              amount {\n                amount\n                currency\n                formatted\n              }\n            }\n          }\n        }\n        lifetimeValue {\n          amount\n          currency\n          formatted\n        }\n        activity {\n          eventCount\n          activeDays\n          lastSeenAt\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query Dashboard($first: Int = 20, $after: String, $paymentsPerCustomer: Int = 5) {\n  customers(first: $first, after: $after) {\n    totalCount\n    edges {\n      cursor\n      node {\n        id\n        name\n        email\n        company {\n          id\n          name\n          domain\n        }\n        deals(status: OPEN) {\n          totalCount\n        }\n        payments(first: $paymentsPerCustomer) {\n          edges {\n            node {\n              id\n              status\n              createdAt\n              amount {\n                amount\n                currency\n                formatted\n              }\n            }\n          }\n        }\n        lifetimeValue {\n          amount\n          currency\n          formatted\n        }\n        activity {\n          eventCount\n          activeDays\n          lastSeenAt\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Metrics($since: DateTime!, $until: DateTime!, $interval: Interval!) {\n  metrics(since: $since, until: $until, interval: $interval) {\n    since\n    until\n    interval\n    buckets {\n      start\n      end\n      revenue {\n        amount\n        currency\n      }\n      activeUsers\n      newCustomers\n    }\n  }\n}"): (typeof documents)["query Metrics($since: DateTime!, $until: DateTime!, $interval: Interval!) {\n  metrics(since: $since, until: $until, interval: $interval) {\n    since\n    until\n    interval\n    buckets {\n      start\n      end\n      revenue {\n        amount\n        currency\n      }\n      activeUsers\n      newCustomers\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PaymentsPage($customerId: ID!, $first: Int = 10, $after: String, $status: PaymentStatus) {\n  node(id: $customerId) {\n    ... on Customer {\n      id\n      payments(first: $first, after: $after, status: $status) {\n        totalCount\n        edges {\n          cursor\n          node {\n            id\n            status\n            providerStatus\n            description\n            createdAt\n            amount {\n              amount\n              currency\n              formatted\n            }\n            amountRefunded {\n              amount\n            }\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query PaymentsPage($customerId: ID!, $first: Int = 10, $after: String, $status: PaymentStatus) {\n  node(id: $customerId) {\n    ... on Customer {\n      id\n      payments(first: $first, after: $after, status: $status) {\n        totalCount\n        edges {\n          cursor\n          node {\n            id\n            status\n            providerStatus\n            description\n            createdAt\n            amount {\n              amount\n              currency\n              formatted\n            }\n            amountRefunded {\n              amount\n            }\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;
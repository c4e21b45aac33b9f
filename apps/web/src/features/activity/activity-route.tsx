// Loaded lazily by the router (route.lazy): the Activity page is for administrators only, so
// its code stays out of everyone else's first download.
import { ActivityPage } from './activity-page';

export const Component = ActivityPage;

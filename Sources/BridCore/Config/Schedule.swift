/// When a URL source is fetched.
public enum Schedule: Sendable, Equatable {
    case every(Duration)
    case cron(CronExpression)
}
